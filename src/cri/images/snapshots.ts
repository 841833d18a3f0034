import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { writeJsonAtomic } from '../../host/files/atomic.js';
import { isBusy } from '../../host/errors.js';
import type { FsMeta } from '../../host/image-fs/types.js';
import type { Mounter } from '../../host/mount/types.js';
import { DigestMismatch, splitDigest } from './content.js';
import { decompressor, detectCompression, type Compression } from './decompress.js';
import { extractTar } from './unpack.js';

// The image store's snapshots, as containerd's snapshotter keeps both kinds: committed ones,
// the unpacked layers (LayerStore, <layers>/<diffID hex>), and active ones, the container
// root filesystems over them (Snapshots, <rootfs>/<key>/{upper,work,merged} plus rootfs.json
// naming the image and its layers). The layer list is kept with the rootfs, not looked up in
// the image, so a rootfs keeps its layers alive after its image is removed (containerd's
// snapshot leases).

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

/**
 * Unpacked layers, one directory per diffID (<root>/<hex>), each usable as an overlay lower
 * dir on its own. A layer is unpacked into <root>/.tmp-* and renamed into place only after
 * its diffID checked out, so a crash or a corrupt blob never leaves a half layer visible;
 * concurrent unpacks of one layer share one job.
 */
export class LayerStore {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(readonly root: string, private readonly fs: FsMeta) {}

  path(diffId: string): string {
    return join(this.root, splitDigest(diffId)[1]);
  }

  async has(diffId: string): Promise<boolean> {
    return stat(this.path(diffId)).then(() => true, () => false);
  }

  /**
   * Unpacks the blob at blobPath (gzip, zstd or plain tar) unless the layer is present.
   * Rejects with DigestMismatch when the uncompressed bytes do not hash to diffId, with
   * UnpackError for a hostile or malformed archive, with the decompressor's error for a
   * corrupt one; nothing of the layer is left behind then.
   */
  unpack(diffId: string, blobPath: string): Promise<string> {
    splitDigest(diffId);
    const running = this.inflight.get(diffId);
    if (running) return running;
    const job = this.write(diffId, blobPath).finally(() => this.inflight.delete(diffId));
    this.inflight.set(diffId, job);
    return job;
  }

  /** Present layers' diffIDs. */
  async list(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Deletes a layer; succeeds when it is already gone. The caller makes sure nothing uses it. */
  async remove(diffId: string): Promise<void> {
    // Renamed away first, so the layer disappears at once even if the delete is cut short.
    const doomed = join(this.root, `.del-${splitDigest(diffId)[1]}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.path(diffId), doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** Removes what a crash left: half-written and half-deleted layers. */
  async sweep(): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith('.tmp-') || n.startsWith('.del-')).map((n) => rm(join(this.root, n), { recursive: true, force: true })));
  }

  private async write(diffId: string, blobPath: string): Promise<string> {
    const final = this.path(diffId);
    if (await this.has(diffId)) return final;
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.tmp-${splitDigest(diffId)[1].slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(tmp, { mode: 0o755 });
      const hash = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const inflate = decompressor(await compressionOf(blobPath));
      // pipeline: an error anywhere, or the unpack giving up on tap, ends every stage
      // (and the zstd process).
      pipeline(createReadStream(blobPath), inflate, tap, () => {});
      await extractTar(tap, tmp, this.fs);
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== diffId) throw new DigestMismatch(diffId, got);
      await rename(tmp, final).catch(async (err: NodeJS.ErrnoException) => {
        // Another process unpacked it meanwhile: theirs is as good as ours.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await rm(tmp, { recursive: true, force: true });
      });
      return final;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

/** The compression of the blob at path, from its first bytes. Rejects when it cannot be read. */
async function compressionOf(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
