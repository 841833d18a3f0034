import { open } from 'node:fs/promises';
import { PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

// Layer blobs come gzip'd, zstd'd or plain. The magic bytes decide, as containerd's
// DecompressStream does: a media type saying 'tar' over gzip'd bytes still unpacks.

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export function detectCompression(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return 'none';
}

/** The compression of the file at path, from its first bytes. Rejects when it cannot be read. */
export async function compressionOf(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A transform that undoes `c`; errors on corrupt input. */
export function decompressor(c: Compression): Transform {
  if (c === 'gzip') return createGunzip();
  if (c === 'zstd') return zstdStream();
  return new PassThrough();
}

// Node 20 has no zstd; fzstd decodes in JS, pushing output as frames complete.
function zstdStream(): Transform {
  let push: (chunk: Uint8Array) => void = () => {};
  const z = new Decompress((chunk) => push(chunk));
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      push = (out) => this.push(Buffer.from(out));
      try {
        z.push(chunk);
        done();
      } catch (err) {
        done(new Error(`zstd: ${(err as Error).message}`));
      }
    },
    flush(done) {
      push = (out) => this.push(Buffer.from(out));
      try {
        z.push(new Uint8Array(0), true);
        done();
      } catch (err) {
        done(new Error(`zstd: ${(err as Error).message}`));
      }
    },
  });
}

