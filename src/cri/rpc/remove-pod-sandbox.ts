// RemovePodSandbox: stops the pod if needed, then removes its containers and everything it
// holds. An unknown id succeeds: the kubelet retries removals of pods already gone.
import type { RuntimeRpcs } from '../api.js';
import { destroySandbox } from '../lifecycle/sandboxes.js';
import type { Handler } from './types.js';

export const removePodSandbox: Handler<RuntimeRpcs['RemovePodSandbox']> = async (req, { deps }) => {
  const s = deps.state.sandboxes.find(req.podSandboxId);
  if (!s) return {};
  await deps.state.locks.run(s.id, async () => {
    const current = deps.state.sandboxes.find(s.id);
    if (current) await destroySandbox(deps, current);
  });
  return {};
};
