import { HostError } from '../errors.js';
import { checkNotOwn, joinRel, relSegments } from './paths.js';
import { checkResources } from './resources.js';
import type { CgroupResources, Cgroups, CgroupStats } from './types.js';

interface Node {
  resources: CgroupResources;
  /** Hierarchical counters, as the kernel keeps them: charged to the cgroup and its ancestors. */
  cpuNanos: bigint;
  pageFaults: number;
  oomKills: number;
  /** Values a test pinned with setStats, laid over the computed ones. */
  pinned?: Partial<{ cpu: Partial<CgroupStats['cpu']>; memory: Partial<CgroupStats['memory']>; pids: Partial<CgroupStats['pids']>; oomKills: number }>;
}

interface Proc {
  /** Key of the cgroup it is in ('' = skiff's own). */
  cgroup: string;
  memoryBytes: number;
}

/**
 * A kernel model of skiff's cgroup tree, not a recorder: cgroups exist or not, processes
 * live in exactly one, removal is refused while any remain below, usage is charged to a
 * cgroup and all its ancestors, and a memory limit OOM-kills the process that exceeds it.
 * Processes come from spawn() and consume resources through work(), so tests drive it the
 * way a container would.
 */
export class FakeCgroups implements Cgroups {
  readonly version: 1 | 2;
  private readonly root: readonly string[];
  private readonly nodes = new Map<string, Node>([['', blank()]]);
  private readonly procs = new Map<number, Proc>();
  private nextPid = 1000;
  /** Pids killed by kill() or by the OOM killer, in order. */
  readonly killed: number[] = [];

  constructor(opts: { version?: 1 | 2; root?: string } = {}) {
    this.version = opts.version ?? 2;
    this.root = relSegments(opts.root ?? '', 'cgroup root');
  }

  runcPath(rel: string): string {
    return joinRel(this.root, rel);
  }

  async create(rel: string, resources: CgroupResources = {}): Promise<void> {
    checkResources(resources);
    const key = this.mutable(rel, 'create');
    const segs = key.split('/');
    for (let i = 1; i <= segs.length; i++) {
      const k = segs.slice(0, i).join('/');
      if (!this.nodes.has(k)) this.nodes.set(k, blank());
    }
    Object.assign(this.node(key).resources, resources);
  }

  async update(rel: string, resources: CgroupResources): Promise<void> {
    checkResources(resources);
    Object.assign(this.node(this.mutable(rel, 'update')).resources, resources);
  }

  async attach(rel: string, pid: number): Promise<void> {
    const key = this.mutable(rel, 'attach to');
    this.node(key);
    const proc = this.procs.get(pid);
    if (!proc) throw new HostError('ESRCH', `cgroup attach ${pid}: No such process`, 'write');
    proc.cgroup = key;
  }

  async remove(rel: string): Promise<void> {
    const key = this.mutable(rel, 'remove');
    if ((await this.pids(rel)).length) throw new HostError('EBUSY', `cgroup remove ${key}: processes remain, kill them first`, 'rmdir');
    for (const k of [...this.nodes.keys()]) if (below(k, key)) this.nodes.delete(k);
  }

  async kill(rel: string): Promise<void> {
    this.mutable(rel, 'kill');
    for (const pid of await this.pids(rel)) this.exit(pid, true);
  }

  async pids(rel: string): Promise<number[]> {
    const key = joinRel(this.root, rel);
    return [...this.procs].filter(([, p]) => below(p.cgroup, key)).map(([pid]) => pid).sort((a, b) => a - b);
  }

  async stats(rel: string): Promise<CgroupStats> {
    const key = joinRel(this.root, rel);
    const n = this.node(key);
    const procs = [...this.procs.values()].filter((p) => below(p.cgroup, key));
    const usage = procs.reduce((sum, p) => sum + p.memoryBytes, 0);
    const { memoryLimit, pidsLimit } = n.resources;
    const s: CgroupStats = {
      cpu: { usageNanos: n.cpuNanos },
      memory: {
        usageBytes: usage, workingSetBytes: usage, rssBytes: usage, pageFaults: n.pageFaults, majorPageFaults: 0,
        ...(memoryLimit !== undefined && memoryLimit > 0 ? { limitBytes: memoryLimit } : {}),
      },
      pids: { current: procs.length, ...(pidsLimit !== undefined && pidsLimit > 0 ? { limit: pidsLimit } : {}) },
      oomKills: n.oomKills,
    };
    const p = n.pinned ?? {};
    return { cpu: { ...s.cpu, ...p.cpu }, memory: { ...s.memory, ...p.memory }, pids: { ...s.pids, ...p.pids }, oomKills: p.oomKills ?? s.oomKills };
  }

  async exists(rel: string): Promise<boolean> {
    return this.nodes.has(joinRel(this.root, rel));
  }

  // ---- the model's other side: what processes and tests do ----

  /** A new process, in skiff's own cgroup (outside every cgroup skiff manages). */
  spawn(): number {
    const pid = this.nextPid++;
    this.procs.set(pid, { cgroup: '', memoryBytes: 0 });
    return pid;
  }

  /**
   * The process uses CPU and allocates memory, charged to its cgroup and every ancestor.
   * Past the memory limit of any of them, the OOM killer takes the process: it is gone
   * and that cgroup and its ancestors count an oom_kill. Returns whether it survived.
   */
  work(pid: number, use: { cpuNanos?: bigint; memoryBytes?: number }): boolean {
    const proc = this.procs.get(pid);
    if (!proc) throw new HostError('ESRCH', `process ${pid}: No such process`, 'kill');
    proc.memoryBytes += use.memoryBytes ?? 0;
    for (const k of ancestors(proc.cgroup)) {
      const n = this.nodes.get(k)!;
      n.cpuNanos += use.cpuNanos ?? 0n;
      n.pageFaults += Math.ceil((use.memoryBytes ?? 0) / 4096);
    }
    const over = ancestors(proc.cgroup).reverse().find((k) => {
      const limit = this.nodes.get(k)!.resources.memoryLimit;
      return limit !== undefined && limit > 0 && this.usage(k) > limit;
    });
    if (over === undefined) return true;
    for (const k of ancestors(over)) this.nodes.get(k)!.oomKills++;
    this.exit(pid, true);
    return false;
  }

  /** The process ends (its memory is freed, its CPU time stays counted). */
  exit(pid: number, killed = false): void {
    if (this.procs.delete(pid) && killed) this.killed.push(pid);
  }

  /** Pins stats fields of rel to given values (ENOENT if rel does not exist). */
  setStats(rel: string, values: NonNullable<Node['pinned']>): void {
    const n = this.node(joinRel(this.root, rel));
    n.pinned = { ...n.pinned, ...values };
  }

  private usage(key: string): number {
    return [...this.procs.values()].filter((p) => below(p.cgroup, key)).reduce((sum, p) => sum + p.memoryBytes, 0);
  }

  private node(key: string): Node {
    const n = this.nodes.get(key);
    if (!n) throw new HostError('ENOENT', `cgroup ${key}: No such file or directory`, 'open');
    return n;
  }

  private mutable(rel: string, op: string): string {
    const key = joinRel(this.root, rel);
    checkNotOwn(key, op);
    return key;
  }
}

const blank = (): Node => ({ resources: {}, cpuNanos: 0n, pageFaults: 0, oomKills: 0 });

/** Whether cgroup key is at or below ancestor ('' is skiff's own, above everything). */
function below(key: string, ancestor: string): boolean {
  return ancestor === '' || key === ancestor || key.startsWith(`${ancestor}/`);
}

/** key, its parents, and '' (skiff's own cgroup), nearest first. */
function ancestors(key: string): string[] {
  const segs = key ? key.split('/') : [];
  return [...segs.map((_, i) => segs.slice(0, segs.length - i).join('/')), ''];
}
