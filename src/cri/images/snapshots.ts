import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isBusy } from '../../host/errors.js';
import type { Mounter } from '../../host/mount/types.js';
import { writeJsonAtomic } from '../../host/atomic-json.js';

// Container root filesystems: <root>/<key>/{upper,work,merged} plus rootfs.json naming the
// image and its layers. The layer list is kept here, not looked up in the image, so a
// rootfs keeps its layers alive after its image is removed (containerd's snapshot leases).

export interface RootfsMeta {
  key: string;
  imageId: string;
  /** Bottom first. */
  diffIds: string[];
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(message: string, readonly kind: 'invalid' | 'conflict') {
    super(message);
  }
}

export class Snapshots {
  constructor(readonly root: string) {}

  dir(key: string): string {
    if (!KEY.test(key) || key === '.' || key === '..') throw new SnapshotError(`rootfs key "${key}" must be 1-128 of [A-Za-z0-9_.-], not starting with a dot`, 'invalid');
    return join(this.root, key);
  }

  merged(key: string): string {
    return join(this.dir(key), 'merged');
  }

  async meta(key: string): Promise<RootfsMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir(key), 'rootfs.json'), 'utf8')) as RootfsMeta;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Every rootfs that has its metadata; directories without it (a crash mid-create) are removed. */
  async all(): Promise<RootfsMeta[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const metas = await Promise.all(names.filter((n) => KEY.test(n)).map(async (n) => [n, await this.meta(n).catch(() => undefined)] as const));
    return metas.filter((m): m is readonly [string, RootfsMeta] => m[1] !== undefined).map(([, m]) => m);
  }

  /** Removes directories a crash left without metadata, unless something is mounted there. */
  async sweep(mounted: (path: string) => boolean): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const n of names) {
      if (!KEY.test(n) || (await this.meta(n).catch(() => undefined)) || mounted(join(this.root, n, 'merged'))) continue;
      await rm(join(this.root, n), { recursive: true, force: true });
    }
  }

  /**
   * Mounts the overlay of `lowerDirs` (topmost first) with a fresh upper at <key>/merged,
   * unless already mounted there. Rejects with SnapshotError 'conflict' when the key holds
   * a rootfs of another image, with HostError from the mounter (the new rootfs is removed
   * again then).
   */
  async prepare(meta: RootfsMeta, lowerDirs: string[], mounter: Mounter): Promise<string> {
    const dir = this.dir(meta.key);
    const merged = join(dir, 'merged');
    const existing = await this.meta(meta.key);
    if (existing && existing.imageId !== meta.imageId) throw new SnapshotError(`rootfs "${meta.key}" already exists for image ${existing.imageId}`, 'conflict');
    if (existing && (await isMounted(mounter, merged))) return merged;
    const fresh = !existing;
    if (fresh) {
      await Promise.all(['upper', 'work', 'merged'].map((d) => mkdir(join(dir, d), { recursive: true, mode: 0o755 })));
      await writeJsonAtomic(join(dir, 'rootfs.json'), meta);
    }
    try {
      // Mounted again after a reboot from the same upper, so the container's writes survive.
      await mounter.overlay(merged, { lower: lowerDirs, upper: join(dir, 'upper'), work: join(dir, 'work') });
    } catch (err) {
      if (fresh) await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return merged;
  }

  /** Unmounts and deletes a rootfs; succeeds when it is already gone. Rejects with HostError
   *  when the unmount fails for another reason than being busy (then it detaches). */
  async remove(key: string, mounter: Mounter): Promise<void> {
    const dir = this.dir(key);
    const merged = join(dir, 'merged');
    for (let i = 0; i < 8 && (await isMounted(mounter, merged)); i++) {
      await mounter.unmount(merged).catch((err: unknown) => {
        if (!isBusy(err)) throw err;
        return mounter.unmount(merged, { detach: true });
      });
    }
    await rm(dir, { recursive: true, force: true });
  }
}

export async function isMounted(mounter: Mounter, path: string): Promise<boolean> {
  return (await mounter.list(path)).some((m) => m.target === path);
}
