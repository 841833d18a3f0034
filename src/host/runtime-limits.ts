// What this host lets a container runtime hand out, found by asking the kernel about our own
// process: some VMs withhold CAP_SYS_RESOURCE (a negative oom_score_adj then makes runc fail)
// or cap RLIMIT_NOFILE, and the cgroup layout decides whether swap and hugetlb limits exist.
import { access, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface RuntimeLimits {
  /** This process could set a negative oom_score_adj (it holds CAP_SYS_RESOURCE). */
  negativeOomScoreAdj: boolean;
  /** The bounding set as /proc/self/status shows it (hex mask); undefined when absent. */
  capBnd?: string;
  /** This process's hard RLIMIT_NOFILE. */
  maxNofile?: number;
  /** The memory cgroup accounts swap (v1 memory.memsw.*, v2 memory.swap.max). */
  swap: boolean;
  /** A hugetlb controller exists (v1 hierarchy or in v2's cgroup.controllers). */
  hugetlb: boolean;
  arch: string;
  hostname: string;
}

/**
 * Probes by trying: oom_score_adj is set to -1 and put back. Rejects when /proc/self cannot
 * be read (no procfs).
 */
export async function probeRuntimeLimits(): Promise<RuntimeLimits> {
  const path = '/proc/self/oom_score_adj';
  const current = (await readFile(path, 'utf8')).trim();
  let negativeOomScoreAdj = false;
  try {
    await writeFile(path, '-1');
    negativeOomScoreAdj = true;
  } catch {}
  await writeFile(path, current).catch(() => undefined);
  const status = await readFile('/proc/self/status', 'utf8');
  const capBnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  const nofile = /^Max open files\s+\S+\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))?.[1];
  const exists = (p: string) => access(p).then(() => true, () => false);
  return {
    negativeOomScoreAdj,
    ...(capBnd ? { capBnd } : {}),
    ...(nofile ? { maxNofile: Number(nofile) } : {}),
    swap: (await exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) || (await exists('/sys/fs/cgroup/memory.swap.max')),
    hugetlb: (await exists('/sys/fs/cgroup/hugetlb')) || (await readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8').catch(() => '')).includes('hugetlb'),
    arch: process.arch,
    hostname: hostname(),
  };
}
