import type { RuntimeRpcs } from '../api.js';
import { containerStatus, sandboxStatus } from '../lifecycle/views.js';
import { pidHolderPid } from '../sandbox/index.js';
import { nowNanos } from '../state/records.js';
import type { Handler } from './types.js';

export const podSandboxStatus: Handler<RuntimeRpcs['PodSandboxStatus']> = async (req, { deps }) => {
  const s = deps.sandboxes.mustGet(req.podSandboxId);
  const containers = deps.containers.list().filter((c) => c.sandboxId === s.id);
  // As containerd's verbose info: the pid of the sandbox's process (here the pid holder, 0 without one).
  const pid = req.verbose && s.pidHolder ? (await pidHolderPid(deps, s.id).catch(() => undefined)) ?? 0 : 0;
  return {
    status: sandboxStatus(s),
    info: req.verbose ? { info: JSON.stringify({ pid, netns: s.netns ?? '', cgroup: s.cgroup, dir: s.dir }) } : ({} as Record<string, string>),
    containersStatuses: containers.map(containerStatus),
    timestamp: nowNanos(),
  };
};
