// StopContainer: stop signal, SIGKILL after the timeout. Stopping a stopped container succeeds.
import type { RuntimeRpcs } from '../api.js';
import { stopContainer as stop } from '../lifecycle/containers.js';
import { stopSignalOf } from '../lifecycle/spec-input.js';
import type { Handler } from './types.js';

export const stopContainer: Handler<RuntimeRpcs['StopContainer']> = async (req, { deps }) => {
  const c = deps.state.containers.mustGet(req.containerId);
  await deps.state.locks.run(c.id, async () => {
    const rec = deps.state.containers.find(c.id);
    if (!rec) return;
    // Kept since create; a record from before that asks the image, as containerd does.
    const signal = rec.stopSignal || stopSignalOf(rec.config, deps.images.get(rec.imageId)?.config.config);
    await stop(deps, rec, Number(req.timeout), signal);
  });
  return {};
};
