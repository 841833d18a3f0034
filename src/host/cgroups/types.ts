/**
 * Limits for one cgroup. Absent fields are left as they are; -1 lifts a limit.
 * Values are checked before anything is written (HostError EINVAL, syscall 'validate').
 */
export interface CgroupResources {
  /** v1 cpu.shares, 2..262144; v2 converts it to cpu.weight the way runc does. */
  cpuShares?: number;
  /** Microseconds per period, >= 1000, or -1 for no quota. */
  cpuQuota?: number;
  /** Microseconds, 1000..1000000. */
  cpuPeriod?: number;
  /** Kernel list format: '0-1,3'. */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Bytes, > 0, or -1 for no limit. */
  memoryLimit?: number;
  /** > 0, or -1 for no limit. */
  pidsLimit?: number;
}

/** One cgroup's usage, hierarchical (rel and everything below it), as the kubelet reads it. */
export interface CgroupStats {
  /** Cumulative CPU time. */
  cpu: { usageNanos: bigint };
  memory: {
    usageBytes: number;
    /** usage - inactive_file (v1: total_inactive_file), never negative: what the kubelet evicts on. */
    workingSetBytes: number;
    /** v1 total_rss, v2 anon. */
    rssBytes: number;
    pageFaults: number;
    majorPageFaults: number;
    /** Absent when unlimited. */
    limitBytes?: number;
  };
  pids: { current: number; limit?: number };
  /** v2 memory.events oom_kill, v1 memory.oom_control oom_kill. */
  oomKills: number;
}

/**
 * skiff's cgroups, all under one root that is itself RELATIVE to the cgroup skiff runs in
 * (per hierarchy, from /proc/self/cgroup), the way runc places a relative cgroupsPath.
 * `rel` names a cgroup below that root: relative, no '.' or '..' segments ('' is the root
 * itself). Every method rejects a bad rel with HostError EINVAL (syscall 'validate'), and
 * refuses to create, change, kill or remove the cgroup skiff itself runs in.
 * Other rejections are HostErrors with the kernel's code.
 */
export interface Cgroups {
  readonly version: 1 | 2;
  /**
   * Creates rel and its missing parents in every hierarchy used (v1: each controller's,
   * plus name=systemd and the hybrid unified one, as runc does; v2: the one tree, with
   * controllers enabled in the parents' cgroup.subtree_control), then applies resources.
   * Idempotent. Rejects EINVAL for bad resources (nothing created), or the kernel's code
   * (EINVAL when a value breaks a parent's limit, EBUSY when v2 controllers cannot be enabled
   * because skiff's own cgroup holds processes).
   */
  create(rel: string, resources?: CgroupResources): Promise<void>;
  /** Applies resources to an existing cgroup. Rejects ENOENT if rel does not exist, EINVAL as create. */
  update(rel: string, resources: CgroupResources): Promise<void>;
  /**
   * Moves a process (all its threads) into rel in every hierarchy, as runc does for a
   * container's init (CRI-O does it for conmon). Rejects ENOENT if rel does not exist,
   * ESRCH if there is no such process.
   */
  attach(rel: string, pid: number): Promise<void>;
  /**
   * Removes rel and everything below it, leaf first; kills nothing: rejects EBUSY (removing
   * nothing) while processes remain. Succeeds if already gone.
   */
  remove(rel: string): Promise<void>;
  /**
   * Kills every process in rel and below (v2 cgroup.kill; v1 freeze, SIGKILL each pid, thaw,
   * repeated) and resolves once none remain. Succeeds if rel is gone; rejects EBUSY if
   * processes outlive every round.
   */
  kill(rel: string): Promise<void>;
  /** Processes in rel and below, ascending, without duplicates. Empty if rel is gone. */
  pids(rel: string): Promise<number[]>;
  /** Rejects ENOENT if rel does not exist. */
  stats(rel: string): Promise<CgroupStats>;
  /** Whether rel exists in any hierarchy (so a half-created or half-removed one counts). */
  exists(rel: string): Promise<boolean>;
  /** The cgroupsPath to give runc for `rel`: root/rel, relative, so runc nests it under its own cgroup. */
  runcPath(rel: string): string;
}
