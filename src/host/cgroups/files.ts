// Filesystem primitives shared by the v1 and v2 drivers. cgroupfs is an ordinary filesystem
// to node:fs (mkdir, rmdir, read and write small files), so no addon is needed; errors come
// back as HostErrors carrying the kernel's code.
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError, isAlreadyExists, isBusy, isNotFound, toHostError } from '../errors.js';
import { trace } from '../../trace.js';

export const log = trace('cgroups');

function named(what: string, err: unknown): HostError {
  const e = toHostError(err);
  e.message = `cgroup ${what}: ${e.message}`;
  return e;
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw named(what, err);
  }
}

export function readCg(dir: string, file: string): Promise<string> {
  return wrap(`read ${join(dir, file)}`, () => readFile(join(dir, file), 'utf8'));
}

export function writeCg(dir: string, file: string, value: string): Promise<void> {
  log(() => `write ${join(dir, file)} = ${value}`);
  return wrap(`write ${join(dir, file)}`, () => writeFile(join(dir, file), value));
}

/** mkdir that tolerates an existing dir; reports whether it made one. */
export async function mkdirCg(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    log(() => `mkdir ${path}`);
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw named(`mkdir ${path}`, err);
  }
}

/** rmdir that tolerates a missing dir. */
export async function rmdirCg(path: string): Promise<void> {
  try {
    await rmdir(path);
    log(() => `rmdir ${path}`);
  } catch (err) {
    if (!isNotFound(err)) throw named(`rmdir ${path}`, err);
  }
}

/** dir and every cgroup below it, deepest first (the order rmdir needs); [] if dir is gone. */
export async function subtree(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw toHostError(err);
  }
  const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => subtree(join(dir, e.name))));
  return [...below.flat(), dir];
}

/** Pids listed in cgroup.procs of dir and below; a cgroup vanishing meanwhile counts as empty. */
export async function procsBelow(dir: string): Promise<number[]> {
  const lists = await Promise.all((await subtree(dir)).map(async (d) => {
    try {
      return (await readFile(join(d, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw toHostError(err);
    }
  }));
  return lists.flat();
}

export function sortedUnique(pids: Iterable<number>): number[] {
  return [...new Set(pids)].sort((a, b) => a - b);
}

/** SIGKILL, tolerating a process that is already gone; never skiff itself. */
export function sigkill(pid: number): void {
  if (pid === process.pid) throw new HostError('EPERM', `cgroup kill: refusing to kill skiff itself (pid ${pid})`, 'kill');
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ESRCH') throw toHostError(err);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls until cond holds. Rounds, not a deadline: the kernel finishes killing and
 * releasing tasks asynchronously, usually within a few ms.
 */
export async function until(cond: () => Promise<boolean>, rounds = 200, ms = 10): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    if (await cond()) return true;
    await sleep(ms);
  }
  return cond();
}

/**
 * Removes the cgroup `path` and everything below it in each of `roots`, leaf first. Rejects
 * HostError EBUSY while `pids()` finds processes; a task that just exited may keep its cgroup
 * populated for a moment after leaving cgroup.procs, so that case is retried.
 */
export async function removeTrees(path: string, roots: readonly string[], pids: () => Promise<number[]>): Promise<void> {
  const busy = () => new HostError('EBUSY', `cgroup remove ${path}: processes remain, kill them first`, 'rmdir');
  if ((await pids()).length) throw busy();
  const done = await until(async () => {
    try {
      for (const root of roots) for (const dir of await subtree(join(root, path))) await rmdirCg(dir);
      return true;
    } catch (err) {
      if (isBusy(err) && (await pids()).length === 0) return false;
      throw err;
    }
  });
  if (!done) throw busy();
}
