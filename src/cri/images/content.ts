import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/**
 * Content-addressed blobs on disk (<root>/blobs/sha256/<hex>). A blob is written to
 * <root>/ingest/ while its digest is computed and renamed into place only when the digest
 * matches, so a partial or corrupt download is never visible; concurrent writers of one
 * digest share one download.
 */
export class ContentStore {
  private readonly inflight = new Map<string, { job: Promise<string>; signal?: AbortSignal }>();

  constructor(readonly root: string) {}

  path(digest: string): string {
    const [alg, hex] = splitDigest(digest);
    return join(this.root, 'blobs', alg, hex);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** The whole blob, for the small ones (configs). Rejects with ENOENT when it is absent. */
  async read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  /** Digests of the stored blobs. */
  async list(): Promise<string[]> {
    const names = await readdir(join(this.root, 'blobs', 'sha256')).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Deletes a blob; succeeds when it is absent. */
  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** Removes downloads a crash cut short. */
  async sweep(): Promise<void> {
    await rm(join(this.root, 'ingest'), { recursive: true, force: true });
  }

  /**
   * Stores what `open` streams under `digest`, unless already present. Rejects with a
   * DigestMismatch (and keeps nothing) when the bytes hash to something else. `signal` is
   * the one `open`'s download stops by: another caller sharing it fetches anew then.
   */
  ingest(digest: string, open: () => Promise<Readable>, expectedSize?: number, signal?: AbortSignal): Promise<string> {
    const running = this.inflight.get(digest);
    if (running) {
      // A download cancelled by its own caller is no failure of this one's: fetch anew.
      return running.job.catch((err: unknown) => {
        if (running.signal?.aborted && !signal?.aborted) return this.ingest(digest, open, expectedSize, signal);
        throw err;
      });
    }
    const entry = { job: this.write(digest, open, expectedSize), ...(signal ? { signal } : {}) };
    this.inflight.set(digest, entry);
    entry.job.catch(() => {}).finally(() => {
      if (this.inflight.get(digest) === entry) this.inflight.delete(digest);
    });
    return entry.job;
  }

  private async write(digest: string, open: () => Promise<Readable>, expectedSize?: number): Promise<string> {
    const final = this.path(digest);
    if (await this.has(digest)) return final;
    const ingest = join(this.root, 'ingest');
    await Promise.all([mkdir(ingest, { recursive: true }), mkdir(join(final, '..'), { recursive: true })]);
    const tmp = join(ingest, `${splitDigest(digest)[1]}.${randomBytes(4).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const source = await open();
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        // A source that sends more than the descriptor says is wrong already: stop reading
        // rather than fill the disk with an endless body.
        if (expectedSize !== undefined && size > expectedSize) source.destroy(new DigestMismatch(digest, `more than the ${expectedSize} bytes its descriptor gives`));
      });
      await pipeline(source, createWriteStream(tmp, { mode: 0o644 }));
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new DigestMismatch(digest, got);
      if (expectedSize !== undefined && size !== expectedSize) throw new DigestMismatch(digest, `${got} (${size} bytes, expected ${expectedSize})`);
      await rename(tmp, final);
      return final;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

export class DigestMismatch extends Error {
  override readonly name = 'DigestMismatch';
  constructor(readonly expected: string, readonly actual: string) {
    super(`content digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/** Whether d is a digest this store can address ('sha256:' and 64 lowercase hex): checked
 *  before a digest from a manifest goes into a URL or a path. */
export function isDigest(d: unknown): boolean {
  return typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d);
}

export function splitDigest(digest: string): [string, string] {
  const m = /^(sha256):([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new Error(`unsupported digest "${digest}"`);
  return [m[1]!, m[2]!];
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
