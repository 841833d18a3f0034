// StopPodSandbox: kills the pod's containers and detaches it from the network; the pins stay
// until RemovePodSandbox. Idempotent.
import type { RuntimeRpcs } from '../api.js';
import { stopSandbox } from '../lifecycle/sandboxes.js';
import type { Handler } from './types.js';

export const stopPodSandbox: Handler<RuntimeRpcs['StopPodSandbox']> = async (req, { deps }) => {
  const s = deps.sandboxes.mustGet(req.podSandboxId);
  await deps.locks.run(s.id, async () => {
    const current = deps.sandboxes.find(s.id);
    if (current) await stopSandbox(deps, current);
  });
  return {};
};
