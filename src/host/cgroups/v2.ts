import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError, isBusy, isNotFound } from '../errors.js';
import { mkdirCg, procsBelow, removeTrees, readCg, sigkill, sortedUnique, until, writeCg } from './files.js';
import { checkNotOwn, joinRel } from './paths.js';
import { checkResources, V2_CONTROLLERS, v2Writes } from './resources.js';
import { v2Stats, type V2StatFiles } from './stats.js';
import type { CgroupResources, Cgroups, CgroupStats } from './types.js';

/**
 * cgroup v2: one tree. Controllers reach a child only through its parent's
 * cgroup.subtree_control, so create enables them on the way down, starting at skiff's own
 * cgroup and never above it.
 */
export class CgroupsV2 implements Cgroups {
  readonly version = 2 as const;

  constructor(
    /** Absolute directory of skiff's own cgroup: mount point + path from /proc/self/cgroup's 0:: line. */
    readonly own: string,
    private readonly root: readonly string[],
    /** Controllers to enable for children where the parent offers them. */
    private readonly controllers: readonly string[] = V2_CONTROLLERS,
  ) {}

  runcPath(rel: string): string {
    return joinRel(this.root, rel);
  }

  async create(rel: string, resources: CgroupResources = {}): Promise<void> {
    checkResources(resources);
    const path = this.mutable(rel, 'create');
    let dir = this.own;
    for (const seg of path.split('/')) {
      await this.enableControllers(dir);
      dir = join(dir, seg);
      await mkdirCg(dir);
    }
    await this.apply(dir, resources);
  }

  async update(rel: string, resources: CgroupResources): Promise<void> {
    checkResources(resources);
    await this.apply(join(this.own, this.mutable(rel, 'update')), resources);
  }

  async attach(rel: string, pid: number): Promise<void> {
    await writeCg(join(this.own, this.mutable(rel, 'attach to')), 'cgroup.procs', String(pid));
  }

  async remove(rel: string): Promise<void> {
    await removeTrees(this.mutable(rel, 'remove'), [this.own], () => this.pids(rel));
  }

  async kill(rel: string): Promise<void> {
    const path = this.mutable(rel, 'kill');
    const dir = join(this.own, path);
    for (let round = 0; round < 10; round++) {
      const pids = await this.pids(rel);
      if (pids.length === 0) return;
      try {
        // One write kills the whole subtree, forks in flight included (Linux 5.14+).
        await writeCg(dir, 'cgroup.kill', '1');
      } catch (err) {
        if (!isNotFound(err) || !(await this.exists(rel))) throw err;
        for (const pid of pids) sigkill(pid); // older kernel: no cgroup.kill
      }
      if (await until(async () => (await this.pids(rel)).length === 0, 100)) return;
    }
    throw new HostError('EBUSY', `cgroup kill ${path}: processes survive`, 'kill');
  }

  async pids(rel: string): Promise<number[]> {
    return sortedUnique(await procsBelow(join(this.own, joinRel(this.root, rel))));
  }

  async stats(rel: string): Promise<CgroupStats> {
    const dir = join(this.own, joinRel(this.root, rel));
    const names = ['cpu.stat', 'memory.current', 'memory.max', 'memory.stat', 'memory.events', 'pids.current', 'pids.max'] as const;
    const texts = await Promise.all(names.map((f) => readCg(dir, f)));
    return v2Stats(Object.fromEntries(names.map((f, i) => [f, texts[i]])) as unknown as V2StatFiles);
  }

  async exists(rel: string): Promise<boolean> {
    return stat(join(this.own, joinRel(this.root, rel))).then(() => true, () => false);
  }

  private mutable(rel: string, op: string): string {
    const path = joinRel(this.root, rel);
    checkNotOwn(path, op);
    return path;
  }

  /** Enables in dir's subtree_control the wanted controllers dir has and has not enabled yet. */
  private async enableControllers(dir: string): Promise<void> {
    const tokens = async (file: string) => {
      try {
        return (await readCg(dir, file)).split(/\s+/).filter(Boolean).map((c) => c.replace(/^\+/, ''));
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    };
    const [available, enabled] = await Promise.all([tokens('cgroup.controllers'), tokens('cgroup.subtree_control')]);
    const missing = this.controllers.filter((c) => available.includes(c) && !enabled.includes(c));
    if (missing.length === 0) return;
    try {
      await writeCg(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
    } catch (err) {
      if (isBusy(err)) (err as HostError).message += ' (a cgroup holding processes cannot pass controllers to children: run skiff in a leaf of its own)';
      throw err;
    }
  }

  private async apply(dir: string, resources: CgroupResources): Promise<void> {
    const needCpuMax = resources.cpuQuota !== undefined || resources.cpuPeriod !== undefined;
    const current = needCpuMax ? await readCg(dir, 'cpu.max') : undefined;
    for (const w of v2Writes(resources, current)) await writeCg(dir, w.file, w.value);
  }
}
