// Pure parsing of cgroup interface files into CgroupStats. The drivers read the files; these
// functions only see their text, so unit tests feed them real files' contents.
import { HostError } from '../errors.js';
import type { CgroupStats } from './types.js';

/** Flat keyed files (memory.stat, cpu.stat, memory.events, memory.oom_control): 'key value' per line. */
export function parseKeyed(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (!key || value === undefined || extra !== undefined || !/^\d+$/.test(value)) continue;
    out.set(key, BigInt(value));
  }
  return out;
}

/** A single-value file ('123\n'). */
export function parseNumber(text: string, file: string): bigint {
  const v = text.trim();
  if (!/^-?\d+$/.test(v)) throw new HostError('EINVAL', `cgroup ${file}: unexpected content "${v}"`, 'read');
  return BigInt(v);
}

// v1 reports "no limit" as the largest page-aligned value (9223372036854771712 on 4 KiB pages).
const V1_UNLIMITED = 1n << 62n;

/** A limit file: v2 'max' or v1's huge value mean no limit (undefined). */
export function parseLimit(text: string, file: string): number | undefined {
  if (text.trim() === 'max') return undefined;
  const v = parseNumber(text, file);
  return v < 0n || v >= V1_UNLIMITED ? undefined : Number(v);
}

const num = (m: Map<string, bigint>, key: string): number => Number(m.get(key) ?? 0n);
const workingSet = (usage: number, inactiveFile: number): number => Math.max(0, usage - inactiveFile);

/** The v1 files stats come from, as read from each controller's directory. */
export interface V1StatFiles {
  'cpuacct.usage': string;
  'memory.usage_in_bytes': string;
  'memory.limit_in_bytes': string;
  'memory.stat': string;
  'memory.oom_control': string;
  /** Absent in the pids hierarchy's root cgroup. */
  'pids.current'?: string;
  'pids.max'?: string;
}

export function v1Stats(f: V1StatFiles): CgroupStats {
  const ms = parseKeyed(f['memory.stat']);
  const usage = Number(parseNumber(f['memory.usage_in_bytes'], 'memory.usage_in_bytes'));
  const limit = parseLimit(f['memory.limit_in_bytes'], 'memory.limit_in_bytes');
  const pidsLimit = f['pids.max'] === undefined ? undefined : parseLimit(f['pids.max'], 'pids.max');
  return {
    cpu: { usageNanos: parseNumber(f['cpuacct.usage'], 'cpuacct.usage') },
    memory: {
      usageBytes: usage,
      // total_* include the descendants, which is what a pod's cgroup must report.
      workingSetBytes: workingSet(usage, num(ms, 'total_inactive_file')),
      rssBytes: num(ms, 'total_rss'),
      pageFaults: num(ms, 'total_pgfault'),
      majorPageFaults: num(ms, 'total_pgmajfault'),
      ...(limit === undefined ? {} : { limitBytes: limit }),
    },
    pids: {
      current: f['pids.current'] === undefined ? 0 : Number(parseNumber(f['pids.current'], 'pids.current')),
      ...(pidsLimit === undefined ? {} : { limit: pidsLimit }),
    },
    oomKills: num(parseKeyed(f['memory.oom_control']), 'oom_kill'),
  };
}

/** The v2 files stats come from, all in the cgroup's one directory. */
export interface V2StatFiles {
  'cpu.stat': string;
  'memory.current': string;
  'memory.max': string;
  'memory.stat': string;
  'memory.events': string;
  'pids.current': string;
  'pids.max': string;
}

export function v2Stats(f: V2StatFiles): CgroupStats {
  const ms = parseKeyed(f['memory.stat']);
  const usage = Number(parseNumber(f['memory.current'], 'memory.current'));
  const limit = parseLimit(f['memory.max'], 'memory.max');
  const pidsLimit = parseLimit(f['pids.max'], 'pids.max');
  return {
    cpu: { usageNanos: (parseKeyed(f['cpu.stat']).get('usage_usec') ?? 0n) * 1000n },
    memory: {
      usageBytes: usage,
      workingSetBytes: workingSet(usage, num(ms, 'inactive_file')),
      rssBytes: num(ms, 'anon'),
      pageFaults: num(ms, 'pgfault'),
      majorPageFaults: num(ms, 'pgmajfault'),
      ...(limit === undefined ? {} : { limitBytes: limit }),
    },
    pids: { current: Number(parseNumber(f['pids.current'], 'pids.current')), ...(pidsLimit === undefined ? {} : { limit: pidsLimit }) },
    oomKills: num(parseKeyed(f['memory.events']), 'oom_kill'),
  };
}
