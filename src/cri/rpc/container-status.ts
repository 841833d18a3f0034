import type { RuntimeRpcs } from '../api.js';
import { containerStatus as view } from '../lifecycle/views.js';
import type { Handler } from './types.js';

export const containerStatus: Handler<RuntimeRpcs['ContainerStatus']> = async (req, { deps }) => {
  const c = deps.state.containers.mustGet(req.containerId);
  return {
    status: view(c),
    info: req.verbose ? { info: JSON.stringify({ pid: c.pid, sandboxID: c.sandboxId, bundle: c.dir, cgroup: c.cgroup }) } : ({} as Record<string, string>),
  };
};
