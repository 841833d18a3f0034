// Cgroup limits, devices, OOM score, rlimits and sysctls: the request's numbers turned into
// what runc writes, with the machine's limits applied and every adjustment reported as a
// warning rather than left for runc to fail on ("can't get final child's PID from pipe").
import type { Device__Output } from '../gen/runtime/v1/Device.js';
import type { LinuxContainerResources__Output } from '../gen/runtime/v1/LinuxContainerResources.js';
import { ownValue, setOwn } from '../../own-keys.js';
import { SpecError, type DeviceInfo, type HostFacts } from './input.js';
import type { Device, DeviceRule, Resources, Rlimit } from './types.js';

/** containerd inherits its own systemd LimitNOFILE=infinity, which is 1048576. */
export const DEFAULT_NOFILE = 1048576;

/** int64 CRI fields arrive as decimal strings; '' means unset. */
function int(text: string | undefined, field: string): number {
  if (text === undefined || text === '') return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new SpecError(field, `${text} is not an integer skiff can represent`);
  return n;
}

/** linux.resources without devices. Throws SpecError('resources.<field>', ...) for unrepresentable numbers. */
export function cgroupResources(r: LinuxContainerResources__Output | null | undefined, host: Partial<HostFacts>, warnings: string[]): Resources {
  if (!r) return {};
  const out: Resources = {};
  const period = int(r.cpuPeriod, 'resources.cpuPeriod');
  const quota = int(r.cpuQuota, 'resources.cpuQuota');
  const shares = int(r.cpuShares, 'resources.cpuShares');
  const cpu: NonNullable<Resources['cpu']> = {};
  if (shares) cpu.shares = shares;
  if (quota) cpu.quota = quota;
  if (period) cpu.period = period;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;

  const limit = int(r.memoryLimitInBytes, 'resources.memoryLimitInBytes');
  const swap = int(r.memorySwapLimitInBytes, 'resources.memorySwapLimitInBytes');
  const memory: NonNullable<Resources['memory']> = {};
  if (limit) memory.limit = limit;
  if (host.swap) {
    // memory+swap equal to memory: no swapping unless the request allows some (containerd).
    if (swap) memory.swap = swap;
    else if (limit) memory.swap = limit;
  } else if (swap) warnings.push(`memory_swap_limit_in_bytes ${swap} ignored: the memory cgroup does not account swap on this node`);
  if (Object.keys(memory).length) out.memory = memory;

  if (r.hugepageLimits.length) {
    if (host.hugetlb) out.hugepageLimits = r.hugepageLimits.map((h, i) => ({ pageSize: h.pageSize, limit: int(h.limit, `resources.hugepageLimits[${i}].limit`) }));
    else warnings.push(`hugepage limits ignored: no hugetlb cgroup controller on this node (${r.hugepageLimits.map((h) => h.pageSize).join(', ')})`);
  }
  if (Object.keys(r.unified).length) out.unified = { ...r.unified };
  return out;
}

/**
 * The resources `runc update` applies for UpdateContainerResources: cpu, memory, hugepages,
 * unified (device rules and the OOM score are fixed at creation). What the node cannot
 * apply is dropped and reported in `warnings` when given. Throws SpecError like cgroupResources.
 */
export function ociResources(r: LinuxContainerResources__Output, host: Partial<HostFacts>, warnings: string[] = []): Resources {
  return cgroupResources(r, host, warnings);
}

/**
 * The OOM score adjustment, raised to 0 with a warning when the runtime may not lower it
 * (no CAP_SYS_RESOURCE: runc would die). Undefined when the request carries no resources.
 */
export function oomScoreAdj(r: LinuxContainerResources__Output | null | undefined, host: HostFacts, warnings: string[]): number | undefined {
  if (!r) return undefined;
  const adj = int(r.oomScoreAdj, 'resources.oomScoreAdj');
  if (adj < -1000 || adj > 1000) throw new SpecError('resources.oomScoreAdj', `${adj} is outside -1000..1000`);
  if (adj < 0 && !host.negativeOomScoreAdj) {
    warnings.push(`oom_score_adj ${adj} raised to 0: this node cannot lower OOM scores (no CAP_SYS_RESOURCE)`);
    return 0;
  }
  return adj;
}

/** RLIMIT_NOFILE as containerd's containers see it, capped to what the runtime may grant. */
export function rlimits(host: HostFacts, warnings: string[]): Rlimit[] {
  let n = DEFAULT_NOFILE;
  if (host.maxNofile !== undefined && host.maxNofile < n) {
    warnings.push(`RLIMIT_NOFILE ${n} lowered to ${host.maxNofile}, the most this node allows`);
    n = host.maxNofile;
  }
  return [{ type: 'RLIMIT_NOFILE', hard: n, soft: n }];
}

/**
 * Device nodes and the cgroup rules for them, after a deny-all rule (runc adds its
 * standard allowed set, /dev/null and friends, on its own). Privileged: every host device
 * and allow-all. Throws SpecError('devices[i]', ...) for a device the caller did not resolve
 * or permissions outside "rwm".
 */
export function containerDevices(requested: readonly Device__Output[], info: Record<string, DeviceInfo> | undefined, privileged: boolean, hostDevices: readonly Device[] | undefined): { devices: Device[]; rules: DeviceRule[] } {
  const devices: Device[] = privileged ? [...(hostDevices ?? [])] : [];
  const rules: DeviceRule[] = [{ allow: privileged, access: 'rwm' }];
  requested.forEach((d, i) => {
    const field = `devices[${i}]`;
    const access = d.permissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access)) throw new SpecError(field, `permissions "${d.permissions}" must be letters from "rwm"`);
    if (!d.containerPath.startsWith('/')) throw new SpecError(field, `container_path "${d.containerPath}" must be absolute`);
    const dev = info && ownValue(info, d.hostPath);
    if (!dev) throw new SpecError(field, `host device ${d.hostPath} was not resolved (not a device node?)`);
    const node: Device = { type: dev.type, path: d.containerPath, major: dev.major, minor: dev.minor };
    if (dev.fileMode !== undefined) node.fileMode = dev.fileMode;
    if (dev.uid !== undefined) node.uid = dev.uid;
    if (dev.gid !== undefined) node.gid = dev.gid;
    const at = devices.findIndex((x) => x.path === node.path);
    if (at >= 0) devices[at] = node;
    else devices.push(node);
    if (!privileged) rules.push({ allow: true, type: dev.type, major: dev.major, minor: dev.minor, access });
  });
  return { devices, rules };
}

// Sysctls the IPC namespace isolates (kubelet's and runc's lists agree).
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** kubelet accepts 'net/ipv4/ip_forward' too; '/' and '.' swap when '/' comes first. */
export function normalizeSysctl(name: string): string {
  const slash = name.indexOf('/');
  const dot = name.indexOf('.');
  if (slash < 0 || (dot >= 0 && dot < slash)) return name;
  return name.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/**
 * The pod's sysctls that the container's namespaces can hold: net.* in a non-host network
 * namespace, IPC ones in a non-host IPC namespace, kernel.domainname in a non-host UTS one.
 * Anything else would be the node's setting (runc refuses those): dropped with a warning.
 */
export function podSysctls(sysctls: Record<string, string>, ns: { hostNetwork: boolean; hostIpc: boolean; hostUts: boolean }, warnings: string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [raw, value] of Object.entries(sysctls).sort(([a], [b]) => a.localeCompare(b))) {
    const name = normalizeSysctl(raw);
    const ok = name.startsWith('net.') ? !ns.hostNetwork
      : IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.') ? !ns.hostIpc
      : name === 'kernel.domainname' ? !ns.hostUts
      : false;
    if (ok) setOwn(out, name, value);
    else dropped.push(name);
  }
  if (dropped.length) warnings.push(`sysctls not namespaced for this container, skipped: ${dropped.join(', ')}`);
  return Object.keys(out).length ? out : undefined;
}
