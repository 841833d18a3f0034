import { invalid } from '../errors.js';
import type { CgroupResources } from './types.js';

/** One interface file to write: controller ('' for v2's single tree), file name, value. */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
}

const CPU_LIST = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$/;

/** Refuses values the kernel would refuse or silently clamp, naming the field. */
export function checkResources(r: CgroupResources): void {
  const int = (name: keyof CgroupResources, ok: (v: number) => boolean, rule: string) => {
    const v = r[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || !ok(v)) throw invalid(`cgroup resources: ${name} ${String(v)} must be ${rule}`);
  };
  int('cpuShares', (v) => v >= 2 && v <= 262144, 'an integer in 2..262144');
  int('cpuQuota', (v) => v === -1 || v >= 1000, '-1 or an integer >= 1000 (microseconds)');
  int('cpuPeriod', (v) => v >= 1000 && v <= 1_000_000, 'an integer in 1000..1000000 (microseconds)');
  int('memoryLimit', (v) => v === -1 || v > 0, '-1 or a positive integer (bytes)');
  int('pidsLimit', (v) => v === -1 || v > 0, '-1 or a positive integer');
  for (const name of ['cpusetCpus', 'cpusetMems'] as const) {
    const v = r[name];
    if (v !== undefined && (typeof v !== 'string' || (v !== '' && !CPU_LIST.test(v)))) throw invalid(`cgroup resources: ${name} "${String(v)}" is not a list like 0-2,4`);
  }
}

/**
 * v1 writes, in the order runc uses. cfs period goes before quota; v1.ts retries the other
 * order when the kernel refuses the period against the current quota.
 */
export function v1Writes(r: CgroupResources): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (controller: string, file: string, v: number | string | undefined) => {
    if (v !== undefined) w.push({ controller, file, value: String(v) });
  };
  add('cpuset', 'cpuset.cpus', r.cpusetCpus);
  add('cpuset', 'cpuset.mems', r.cpusetMems);
  add('memory', 'memory.limit_in_bytes', r.memoryLimit);
  add('cpu', 'cpu.shares', r.cpuShares);
  add('cpu', 'cpu.cfs_period_us', r.cpuPeriod);
  add('cpu', 'cpu.cfs_quota_us', r.cpuQuota);
  add('pids', 'pids.max', r.pidsLimit === -1 ? 'max' : r.pidsLimit);
  return w;
}

/**
 * v2 writes. cpu.max holds quota and period together, so a change of one keeps the other
 * from `currentCpuMax` (the file's content, 'max 100000' on a fresh cgroup).
 */
export function v2Writes(r: CgroupResources, currentCpuMax = 'max 100000'): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (file: string, v: number | string | undefined) => {
    if (v !== undefined) w.push({ controller: '', file, value: String(v) });
  };
  add('cpuset.cpus', r.cpusetCpus);
  add('cpuset.mems', r.cpusetMems);
  add('memory.max', r.memoryLimit === -1 ? 'max' : r.memoryLimit);
  add('cpu.weight', r.cpuShares === undefined ? undefined : sharesToWeight(r.cpuShares));
  if (r.cpuQuota !== undefined || r.cpuPeriod !== undefined) {
    const [quota = 'max', period = '100000'] = currentCpuMax.trim().split(/\s+/);
    const q = r.cpuQuota === undefined ? quota : r.cpuQuota === -1 ? 'max' : String(r.cpuQuota);
    add('cpu.max', `${q} ${r.cpuPeriod ?? period}`);
  }
  add('pids.max', r.pidsLimit === -1 ? 'max' : r.pidsLimit);
  return w;
}

/** cpu.shares [2, 262144] onto cpu.weight [1, 10000], linearly (runc's and the kubelet's formula). */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** The v2 controllers skiff limits, enabled for children where the parent offers them. */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'] as const;
