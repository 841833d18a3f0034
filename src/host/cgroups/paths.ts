import { invalid } from '../errors.js';

/**
 * A cgroup name below skiff's root as path segments. Absolute paths and '.'/'..' segments
 * are refused so that nothing can climb out of the cgroup skiff runs in.
 */
export function relSegments(rel: unknown, what = 'cgroup'): string[] {
  if (typeof rel !== 'string') throw invalid(`${what} ${String(rel)} must be a string`);
  if (rel.startsWith('/')) throw invalid(`${what} "${rel}" must be relative (an absolute path would leave skiff's own cgroup)`);
  if (/[\0\n]/.test(rel)) throw invalid(`${what} "${JSON.stringify(rel)}" contains NUL or a newline`);
  const segs = rel.split('/').filter(Boolean);
  if (segs.some((s) => s === '..' || s === '.')) throw invalid(`${what} "${rel}" must not contain '.' or '..' segments`);
  return segs;
}

/** root/rel as a relative path ('' when both are empty). */
export function joinRel(root: readonly string[], rel: string): string {
  return [...root, ...relSegments(rel)].join('/');
}

/** Refuses to touch skiff's own cgroup: that would kill, limit or remove skiff itself. */
export function checkNotOwn(relPath: string, op: string): void {
  if (relPath === '') throw invalid(`cgroup ${op}: refusing to ${op} skiff's own cgroup (empty root and rel)`);
}

export interface ProcCgroupLine {
  /** Hierarchy id; 0 is the unified (v2) hierarchy. */
  id: number;
  /** Controllers of the hierarchy: ['cpu', 'cpuacct'], ['name=systemd'], [] for unified. */
  controllers: string[];
  /** The process's cgroup, absolute within that hierarchy. */
  path: string;
}

/** /proc/<pid>/cgroup: 'id:controllers:path' per line. */
export function parseProcCgroup(text: string): ProcCgroupLine[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw invalid(`/proc/self/cgroup: malformed line "${line}"`);
    const list = line.slice(first + 1, second);
    return { id: Number(line.slice(0, first)), controllers: list ? list.split(',') : [], path: line.slice(second + 1) };
  });
}
