// StartContainer: `runc start` of a CREATED container; conmon reports the exit later.
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition } from '../errors.js';
import { emit, watchExit } from '../lifecycle/containers.js';
import { nowNanos } from '../state/records.js';
import type { Handler } from './types.js';

export const startContainer: Handler<RuntimeRpcs['StartContainer']> = async (req, { deps }) => {
  const c = deps.containers.mustGet(req.containerId);
  return deps.locks.run(c.id, async () => {
    const rec = deps.containers.mustGet(c.id);
    if (rec.state !== 'CONTAINER_CREATED' || rec.phase !== 'created') throw failedPrecondition(`container ${rec.id} is ${rec.state.replace('CONTAINER_', '').toLowerCase()}, not created`);
    const sandbox = deps.sandboxes.find(rec.sandboxId);
    if (sandbox?.state !== 'SANDBOX_READY') throw failedPrecondition(`sandbox ${rec.sandboxId} of container ${rec.id} is not ready`);
    watchExit(deps, rec.id);
    await deps.oci.start(rec.id);
    const started = await deps.containers.update(rec.id, (r) => {
      if (r.state === 'CONTAINER_CREATED') r.state = 'CONTAINER_RUNNING';
      r.startedAt = nowNanos();
    });
    emit(deps, started, 'CONTAINER_STARTED_EVENT');
    return {};
  });
};
