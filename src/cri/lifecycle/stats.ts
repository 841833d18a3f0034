// Container and pod stats from their cgroups, shaped as the CRI wants them. usage_nano_cores
// is a rate, so the previous cumulative sample of each cgroup is kept (as containerd does).
import type { CgroupStats } from '../../host/cgroups/types.js';
import type { CriDeps } from '../deps.js';
import type { ContainerStats } from '../gen/runtime/v1/ContainerStats.js';
import type { CpuUsage } from '../gen/runtime/v1/CpuUsage.js';
import type { MemoryUsage } from '../gen/runtime/v1/MemoryUsage.js';
import type { PodSandboxStats } from '../gen/runtime/v1/PodSandboxStats.js';
import type { ContainerRecord, SandboxRecord } from '../state/records.js';
import type { RuntimeState } from '../state/runtime-state.js';

/** Drops the CPU sample of a removed container ('<id>') or pod ('pod:<id>'). */
export function forgetStats(state: RuntimeState, key: string): void {
  state.cpuSamples.delete(key);
}

const u64 = (value: number | bigint) => ({ value: value.toString() });

function cpu(state: RuntimeState, key: string, at: bigint, s: CgroupStats): CpuUsage {
  const prev = state.cpuSamples.get(key);
  state.cpuSamples.set(key, { at, usage: s.cpu.usageNanos });
  const rate = prev && at > prev.at ? ((s.cpu.usageNanos - prev.usage) * 1_000_000_000n) / (at - prev.at) : undefined;
  return { timestamp: at.toString(), usageCoreNanoSeconds: u64(s.cpu.usageNanos), ...(rate !== undefined && rate >= 0n ? { usageNanoCores: u64(rate) } : {}) };
}

function memory(at: bigint, s: CgroupStats): MemoryUsage {
  const m = s.memory;
  return {
    timestamp: at.toString(), workingSetBytes: u64(m.workingSetBytes), usageBytes: u64(m.usageBytes), rssBytes: u64(m.rssBytes),
    pageFaults: u64(m.pageFaults), majorPageFaults: u64(m.majorPageFaults),
    ...(m.limitBytes !== undefined ? { availableBytes: u64(Math.max(0, m.limitBytes - m.workingSetBytes)) } : {}),
  };
}

/** Stats of one container; cgroup counters are zero when its cgroup is gone (exited). */
export async function containerStats(deps: Pick<CriDeps, 'state' | 'cgroups' | 'images'>, c: ContainerRecord): Promise<ContainerStats> {
  const at = deps.state.clock.nowNanos();
  const attributes = { id: c.id, metadata: c.config.metadata, labels: c.config.labels, annotations: c.config.annotations };
  const [s, disk] = await Promise.all([deps.cgroups.stats(c.cgroup).catch(() => undefined), deps.images.rootfsUsage(c.rootfsKey)]);
  const writableLayer = { timestamp: at.toString(), fsId: { mountpoint: disk.mountpoint }, usedBytes: u64(disk.bytes), inodesUsed: u64(disk.inodes) };
  if (!s) return { attributes, writableLayer };
  return { attributes, cpu: cpu(deps.state, c.id, at, s), memory: memory(at, s), writableLayer };
}

export async function sandboxStats(deps: Pick<CriDeps, 'state' | 'cgroups' | 'images'>, sb: SandboxRecord): Promise<PodSandboxStats> {
  const at = deps.state.clock.nowNanos();
  const attributes = { id: sb.id, metadata: sb.config.metadata, labels: sb.config.labels, annotations: sb.config.annotations };
  const containers = await Promise.all(deps.state.containers.list().filter((c) => c.sandboxId === sb.id && c.state === 'CONTAINER_RUNNING').map((c) => containerStats(deps, c)));
  const s = await deps.cgroups.stats(sb.cgroup).catch(() => undefined);
  return {
    attributes,
    linux: {
      containers,
      ...(s ? { cpu: cpu(deps.state, `pod:${sb.id}`, at, s), memory: memory(at, s), process: { timestamp: at.toString(), processCount: u64(s.pids.current) } } : {}),
    },
  };
}
