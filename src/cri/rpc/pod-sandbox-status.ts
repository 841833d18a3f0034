import type { RuntimeRpcs } from '../api.js';
import { containerStatus, sandboxStatus } from '../lifecycle/views.js';
import { nowNanos } from '../state/records.js';
import type { Handler } from './types.js';

export const podSandboxStatus: Handler<RuntimeRpcs['PodSandboxStatus']> = async (req, { deps }) => {
  const s = deps.sandboxes.mustGet(req.podSandboxId);
  const containers = deps.containers.list().filter((c) => c.sandboxId === s.id);
  return {
    status: sandboxStatus(s),
    info: req.verbose ? { info: JSON.stringify({ pid: 0, netns: s.netns ?? '', cgroup: s.cgroup, dir: s.dir }) } : ({} as Record<string, string>),
    containersStatuses: containers.map(containerStatus),
    timestamp: nowNanos(),
  };
};
