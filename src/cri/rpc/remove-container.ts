// RemoveContainer: kills it if running, then removes its runc state, rootfs and record.
// An unknown id succeeds, as in containerd: the kubelet retries removals.
import type { RuntimeRpcs } from '../api.js';
import { removeContainer as remove } from '../lifecycle/containers.js';
import type { Handler } from './types.js';

export const removeContainer: Handler<RuntimeRpcs['RemoveContainer']> = async (req, { deps }) => {
  const c = deps.state.containers.find(req.containerId);
  if (!c) return {};
  await deps.state.locks.run(c.id, async () => {
    const rec = deps.state.containers.find(c.id);
    if (rec) await remove(deps, rec);
  });
  return {};
};
