// subPath directories, made before any container starts as upstream's makeMounts makes them
// (SafeMakeDir: each missing component created with the volume's mode, none of those on the
// way may be a symlink that leads out of the volume). A subPath that resolves outside the
// volume is refused with upstream's words, which do not tell the pod what is on the host.
import { join } from 'node:path';
import type { Container, Pod } from '../../api/types.js';
import type { Files } from '../../host/files/types.js';
import type { PodVolumes } from '../types.js';
import { MountError } from './errors.js';
import { mountSubPath } from './mounts.js';

export function podContainers(pod: Pod): Container[] {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...((spec?.ephemeralContainers ?? []) as Container[])];
}

/**
 * Makes every subPath of every container of the pod. A subPathExpr that names a variable the
 * pod object alone cannot give is left for prepareContainerSubPaths with the pod manager's env.
 * Rejects with MountError.
 */
export async function prepareSubPaths(files: Files, pod: Pod, volumes: PodVolumes): Promise<void> {
  for (const container of podContainers(pod)) await prepareContainerSubPaths(files, pod, container, volumes);
}

/** The subPaths of one container; with env (its resolved environment) every subPathExpr too.
 *  Rejects with MountError (a missing variable only when env is given). */
export async function prepareContainerSubPaths(files: Files, pod: Pod, container: Container, volumes: PodVolumes, env?: ReadonlyMap<string, string>): Promise<void> {
  for (const m of container.volumeMounts ?? []) {
    if (!m.subPath && !m.subPathExpr) continue;
    const volumePath = volumes.paths.get(m.name);
    if (volumePath === undefined) continue; // containerMounts reports it
    let subPath: string;
    try {
      subPath = mountSubPath(pod, container, m, env);
    } catch (err) {
      if (!env && m.subPathExpr && err instanceof MountError && err.message.startsWith('missing value')) continue;
      throw err;
    }
    const failed = (what: string) => new MountError(`failed to ${what} subPath for volumeMount "${m.name}" of container "${container.name}"`);
    let ok: boolean;
    try {
      ok = await safeMakeDir(files, volumePath, subPath);
    } catch {
      throw failed('create');
    }
    if (!ok) throw failed('prepare');
  }
}

/** Walks subPath below root: existing components must resolve inside root, missing ones are
 *  made with root's mode. Resolves false when the path leads out of the volume. */
async function safeMakeDir(files: Files, root: string, subPath: string): Promise<boolean> {
  const realRoot = await files.realpath(root);
  const inside = (p: string) => p === realRoot || p.startsWith(`${realRoot}/`);
  const mode = ((await files.stat(root))?.mode ?? 0o755) & 0o7777;
  let cur = root;
  for (const part of subPath.split('/').filter((p) => p !== '' && p !== '.')) {
    cur = join(cur, part);
    const info = await files.lstat(cur);
    if (!info) {
      await files.mkdir(cur, { mode });
      await files.chmod(cur, mode);
      continue;
    }
    let real: string;
    try {
      real = await files.realpath(cur);
    } catch {
      return false; // a dangling or looping link: it would be made outside on use
    }
    if (!inside(real)) return false;
  }
  return inside(await files.realpath(cur));
}
