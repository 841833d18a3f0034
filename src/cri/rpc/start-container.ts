// StartContainer: `runc start` of a CREATED container; conmon reports the exit later.
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition } from '../errors.js';
import { emit, watchExit } from '../lifecycle/containers.js';
import type { Handler } from './types.js';

export const startContainer: Handler<RuntimeRpcs['StartContainer']> = async (req, { deps }) => {
  const c = deps.state.containers.mustGet(req.containerId);
  return deps.state.locks.run(c.id, async () => {
    const rec = deps.state.containers.mustGet(c.id);
    if (rec.state !== 'CONTAINER_CREATED' || rec.phase !== 'created') throw failedPrecondition(`container ${rec.id} is ${rec.state.replace('CONTAINER_', '').toLowerCase()}, not created`);
    const sandbox = deps.state.sandboxes.find(rec.sandboxId);
    if (sandbox?.state !== 'SANDBOX_READY') throw failedPrecondition(`sandbox ${rec.sandboxId} of container ${rec.id} is not ready`);
    watchExit(deps, rec.id);
    await deps.oci.start(rec.id);
    const startedAt = deps.state.nowNanos();
    // Its exit may be recorded already (watched before the start): then only the start time is new.
    const started = deps.state.containers.mustGet(rec.id).state === 'CONTAINER_CREATED'
      ? await deps.state.moveContainer(rec.id, 'CONTAINER_RUNNING', (r) => void (r.startedAt = startedAt))
      : await deps.state.containers.update(rec.id, (r) => void (r.startedAt = startedAt));
    emit(deps, started, 'CONTAINER_STARTED_EVENT');
    return {};
  });
};
