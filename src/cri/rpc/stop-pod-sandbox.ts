// StopPodSandbox: kills the pod's containers and detaches it from the network; the pins stay
// until RemovePodSandbox. Idempotent.
import type { RuntimeRpcs } from '../api.js';
import { stopSandbox } from '../lifecycle/sandboxes.js';
import type { Handler } from './types.js';

export const stopPodSandbox: Handler<RuntimeRpcs['StopPodSandbox']> = async (req, { deps }) => {
  const s = deps.state.sandboxes.mustGet(req.podSandboxId);
  await deps.state.locks.run(s.id, async () => {
    const current = deps.state.sandboxes.find(s.id);
    if (current) await stopSandbox(deps, current);
  });
  return {};
};
