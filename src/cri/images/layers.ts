import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import type { FsMeta } from '../../host/fs/types.js';
import { DigestMismatch, splitDigest } from './content.js';
import { decompressor, detectCompression, type Compression } from './decompress.js';
import { extractTar } from './unpack.js';

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
