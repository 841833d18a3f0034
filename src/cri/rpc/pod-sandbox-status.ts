import type { RuntimeRpcs } from '../api.js';
import { containerStatus, sandboxStatus } from '../lifecycle/views.js';
import { pidHolderPid } from '../sandbox/index.js';
import type { Handler } from './types.js';

export const podSandboxStatus: Handler<RuntimeRpcs['PodSandboxStatus']> = async (req, { deps }) => {
  const s = deps.state.sandboxes.mustGet(req.podSandboxId);
  const containers = deps.state.containers.list().filter((c) => c.sandboxId === s.id);
  // As containerd's verbose info: the pid of the sandbox's process (here the pid holder, 0 without one).
  const pid = req.verbose && s.pidHolder ? (await pidHolderPid(deps, s.id).catch(() => undefined)) ?? 0 : 0;
  return {
    status: sandboxStatus(s),
    info: req.verbose ? { info: JSON.stringify({ pid, netns: s.resources.netns ?? '', cgroup: s.cgroup, dir: s.resources.dir }) } : ({} as Record<string, string>),
    containersStatuses: containers.map(containerStatus),
    timestamp: deps.state.nowNanos(),
  };
};
