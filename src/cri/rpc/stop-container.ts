// StopContainer: stop signal, SIGKILL after the timeout. Stopping a stopped container succeeds.
import type { RuntimeRpcs } from '../api.js';
import { stopContainer as stop } from '../lifecycle/containers.js';
import { stopSignalOf } from '../lifecycle/spec-input.js';
import type { Handler } from './types.js';

export const stopContainer: Handler<RuntimeRpcs['StopContainer']> = async (req, { deps }) => {
  const c = deps.containers.mustGet(req.containerId);
  await deps.locks.run(c.id, async () => {
    const rec = deps.containers.find(c.id);
    if (!rec) return;
    const image = deps.images.get(rec.imageId);
    await stop(deps, rec, Number(req.timeout), stopSignalOf(rec.config, image?.config.config));
  });
  return {};
};
