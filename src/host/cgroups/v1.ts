import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError, isNotFound } from '../errors.js';
import { log, mkdirCg, removeTrees, procsBelow, readCg, sigkill, sortedUnique, until, writeCg } from './files.js';
import { checkNotOwn, joinRel } from './paths.js';
import { checkResources, v1Writes, type CgroupWrite } from './resources.js';
import { v1Stats, type V1StatFiles } from './stats.js';
import type { CgroupResources, Cgroups, CgroupStats } from './types.js';

/** One mounted v1 hierarchy (or the hybrid unified one) and skiff's own cgroup in it. */
export interface V1Hierarchy {
  /** As /proc/self/cgroup lists them: ['cpu'], ['cpu', 'cpuacct'], ['name=systemd'], [] for hybrid unified. */
  controllers: string[];
  /** Absolute directory of skiff's own cgroup: mount point + path from /proc/self/cgroup. */
  own: string;
}

/**
 * cgroup v1: one directory per hierarchy for every cgroup, placed exactly where runc puts
 * a relative cgroupsPath (<mount>/<own path>/<root>/<rel> in each hierarchy it joins).
 */
export class CgroupsV1 implements Cgroups {
  readonly version = 1 as const;

  constructor(
    readonly hierarchies: readonly V1Hierarchy[],
    private readonly root: readonly string[],
  ) {}

  runcPath(rel: string): string {
    return joinRel(this.root, rel);
  }

  async create(rel: string, resources: CgroupResources = {}): Promise<void> {
    checkResources(resources);
    const path = this.mutable(rel, 'create');
    await Promise.all(this.hierarchies.map(async (h) => {
      let dir = h.own;
      for (const seg of path.split('/')) {
        const parent = dir;
        dir = join(dir, seg);
        await mkdirCg(dir);
        // A new cpuset cgroup starts with no cpus and mems, and refuses tasks until given some.
        if (h.controllers.includes('cpuset')) await inheritCpuset(parent, dir);
      }
    }));
    await this.apply(path, resources);
  }

  async update(rel: string, resources: CgroupResources): Promise<void> {
    checkResources(resources);
    await this.apply(this.mutable(rel, 'update'), resources);
  }

  async attach(rel: string, pid: number): Promise<void> {
    const path = this.mutable(rel, 'attach to');
    for (const h of this.hierarchies) await writeCg(join(h.own, path), 'cgroup.procs', String(pid));
  }

  async remove(rel: string): Promise<void> {
    await removeTrees(this.mutable(rel, 'remove'), this.hierarchies.map((h) => h.own), () => this.pids(rel));
  }

  async kill(rel: string): Promise<void> {
    const path = this.mutable(rel, 'kill');
    const freezer = this.hierarchies.find((h) => h.controllers.includes('freezer'));
    for (let round = 0; round < 10; round++) {
      if ((await this.pids(rel)).length === 0) return;
      // Frozen, the cgroup cannot fork behind our back while each pid gets its signal.
      const frozen = freezer ? await setFreezer(join(freezer.own, path), 'FROZEN') : false;
      try {
        for (const pid of await this.pids(rel)) sigkill(pid);
      } finally {
        if (frozen) await setFreezer(join(freezer!.own, path), 'THAWED');
      }
      if (await until(async () => (await this.pids(rel)).length === 0, 100)) return;
    }
    throw new HostError('EBUSY', `cgroup kill ${path}: processes survive SIGKILL`, 'kill');
  }

  async pids(rel: string): Promise<number[]> {
    const path = joinRel(this.root, rel);
    const lists = await Promise.all(this.hierarchies.map((h) => procsBelow(join(h.own, path))));
    return sortedUnique(lists.flat());
  }

  async stats(rel: string): Promise<CgroupStats> {
    const path = joinRel(this.root, rel);
    const [cpuacct, memory, pids] = ['cpuacct', 'memory', 'pids'].map((c) => join(this.hierarchy(c).own, path)) as [string, string, string];
    const optional = async (file: string) => {
      try {
        return await readCg(pids, file);
      } catch (err) {
        // The root cgroup of the pids hierarchy has no pids.* files; a missing cgroup stays ENOENT.
        if (isNotFound(err) && (await stat(pids).then(() => true, () => false))) return undefined;
        throw err;
      }
    };
    const [usage, memUsage, memLimit, memStat, oom, pidsCurrent, pidsMax] = await Promise.all([
      readCg(cpuacct, 'cpuacct.usage'), readCg(memory, 'memory.usage_in_bytes'), readCg(memory, 'memory.limit_in_bytes'),
      readCg(memory, 'memory.stat'), readCg(memory, 'memory.oom_control'), optional('pids.current'), optional('pids.max'),
    ]);
    const files: V1StatFiles = {
      'cpuacct.usage': usage, 'memory.usage_in_bytes': memUsage, 'memory.limit_in_bytes': memLimit, 'memory.stat': memStat, 'memory.oom_control': oom,
      ...(pidsCurrent === undefined ? {} : { 'pids.current': pidsCurrent }), ...(pidsMax === undefined ? {} : { 'pids.max': pidsMax }),
    };
    return v1Stats(files);
  }

  async exists(rel: string): Promise<boolean> {
    const path = joinRel(this.root, rel);
    const found = await Promise.all(this.hierarchies.map((h) => stat(join(h.own, path)).then(() => true, () => false)));
    return found.some(Boolean);
  }

  private mutable(rel: string, op: string): string {
    const path = joinRel(this.root, rel);
    checkNotOwn(path, op);
    return path;
  }

  private hierarchy(controller: string): V1Hierarchy {
    const h = this.hierarchies.find((x) => x.controllers.includes(controller));
    if (!h) throw new HostError('ENODEV', `cgroup: the ${controller} controller is not mounted`, 'open');
    return h;
  }

  private async apply(path: string, resources: CgroupResources): Promise<void> {
    const writes = v1Writes(resources);
    const dir = (w: CgroupWrite) => join(this.hierarchy(w.controller).own, path);
    const period = writes.find((w) => w.file === 'cpu.cfs_period_us');
    for (const w of writes) {
      try {
        await writeCg(dir(w), w.file, w.value);
      } catch (err) {
        // The kernel checks a new period against the current quota: a shorter period with a
        // quota still unchanged may be refused, so write the quota first and retry (as runc does).
        if (w !== period || (err as HostError).code !== 'EINVAL') throw err;
        const quota = writes.find((x) => x.file === 'cpu.cfs_quota_us');
        if (!quota) throw err;
        log(() => `cfs period refused before quota; retrying quota first`);
        await writeCg(dir(quota), quota.file, quota.value);
        await writeCg(dir(w), w.file, w.value);
      }
    }
  }
}

async function inheritCpuset(parent: string, dir: string): Promise<void> {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    // Missing reads as empty too: only a directory laid out by a test lacks the file.
    const own = await readCg(dir, file).catch((err: unknown) => (isNotFound(err) ? '' : Promise.reject(err)));
    if (own.trim() === '') await writeCg(dir, file, (await readCg(parent, file)).trim());
  }
}

/** Sets freezer.state and waits for FROZEN to settle; false if the cgroup is not in that hierarchy. */
async function setFreezer(dir: string, state: 'FROZEN' | 'THAWED'): Promise<boolean> {
  try {
    await writeCg(dir, 'freezer.state', state);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  if (state === 'FROZEN') await until(async () => (await readCg(dir, 'freezer.state')).trim() === 'FROZEN', 100, 1);
  return true;
}
