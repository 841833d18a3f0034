import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError } from '../errors.js';
import { parseProcCgroup, relSegments } from './paths.js';
import type { Cgroups } from './types.js';
import { CgroupsV1, type V1Hierarchy } from './v1.js';
import { CgroupsV2 } from './v2.js';

export interface DetectOptions {
  /** Where skiff's cgroups go, relative to skiff's own cgroup: 'kubepods', 'skiff-test-ab12cd'. */
  root: string;
  /** Where the hierarchies are mounted; tests pass a temp dir laid out like one. */
  mountRoot?: string;
  /** Path of the file naming skiff's own cgroups (default /proc/self/cgroup). */
  procSelfCgroup?: string;
  /** v2 only: controllers to enable for skiff's cgroups (default cpuset cpu io memory hugetlb pids). */
  v2Controllers?: readonly string[];
}

/** The hierarchies runc 1.1 joins in v1 (its subsystem list), besides the hybrid unified one. */
const RUNC_V1 = ['cpuset', 'devices', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'freezer', 'rdma', 'name=systemd'];
/** What skiff's own work needs; a host without one of these cannot run pods. */
const REQUIRED_V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'];

/**
 * Picks the driver by what is mounted: cgroup2 at mountRoot means v2 (unified); otherwise
 * v1 with every hierarchy runc would join, the hybrid unified one included.
 * Rejects EINVAL for a bad root, ENODEV when a required v1 controller (cpu, cpuacct, cpuset,
 * memory, pids) or the v2 entry of /proc/self/cgroup is missing, ENOENT when files are.
 */
export async function detectCgroups(opts: DetectOptions): Promise<Cgroups> {
  const mountRoot = opts.mountRoot ?? '/sys/fs/cgroup';
  const root = relSegments(opts.root, 'cgroup root');
  const procFile = opts.procSelfCgroup ?? '/proc/self/cgroup';
  const lines = parseProcCgroup(await readFile(procFile, 'utf8').catch((err: unknown) => {
    throw new HostError('ENOENT', `cgroup detect: cannot read ${procFile}: ${String(err)}`, 'open');
  }));
  if (await isFile(join(mountRoot, 'cgroup.controllers'))) {
    const unified = lines.find((l) => l.id === 0 && l.controllers.length === 0);
    if (!unified) throw new HostError('ENODEV', `cgroup detect: ${mountRoot} is cgroup2 but ${procFile} has no 0:: line`, 'open');
    return new CgroupsV2(under(mountRoot, unified.path), root, opts.v2Controllers);
  }
  const hierarchies: V1Hierarchy[] = [];
  for (const l of lines) {
    const unified = l.id === 0 && l.controllers.length === 0;
    if (!unified && !l.controllers.some((c) => RUNC_V1.includes(c))) continue;
    const names = unified ? ['unified'] : [l.controllers.map(bare).join(','), ...l.controllers.map(bare)];
    const mount = await firstDir(names.map((n) => join(mountRoot, n)));
    if (mount) hierarchies.push({ controllers: l.controllers, own: under(mount, l.path) });
  }
  const missing = REQUIRED_V1.filter((c) => !hierarchies.some((h) => h.controllers.includes(c)));
  if (missing.length) throw new HostError('ENODEV', `cgroup detect: no cgroup2 at ${mountRoot} and v1 controllers missing: ${missing.join(', ')}`, 'open');
  return new CgroupsV1(hierarchies, root);
}

/** mount + the own path, without the trailing '/' of the root cgroup. */
const under = (mount: string, path: string) => join(mount, path).replace(/(.)\/+$/, '$1');

/** 'name=systemd' is mounted as 'systemd'. */
const bare = (controller: string) => controller.replace(/^name=/, '');

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

async function firstDir(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await stat(p).then((s) => s.isDirectory(), () => false)) return p;
  return undefined;
}
