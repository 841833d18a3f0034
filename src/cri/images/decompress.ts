import { Duplex, PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { zstdDecompress, type ZstdExit } from '../../host/zstd.js';
import { UnpackError } from './tar.js';

// Layer blobs come gzip'd, zstd'd or plain. The magic bytes decide, as containerd's
// DecompressStream does: a media type saying 'tar' over gzip'd bytes still unpacks.
//
// No decompression runs on the event loop: gzip is Node's zlib stream (libuv's thread
// pool), zstd is Debian's `zstd` in a child process (src/host/zstd.ts says why).

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** containerd 1.6 (klauspost/compress zstd MaxWindowSize): larger windows are refused. */
export const ZSTD_MAX_WINDOW = 512 * 1024 * 1024;

export function detectCompression(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return 'none';
}

/**
 * A stream that undoes `c`. Errors on corrupt input; for zstd, with UnpackError when a
 * frame needs a window over ZSTD_MAX_WINDOW. Destroying it stops the work (and the zstd
 * process).
 */
export function decompressor(c: Compression): Duplex {
  if (c === 'gzip') return createGunzip();
  if (c === 'zstd') return zstdProcess();
  return new PassThrough();
}

/** The window a zstd frame header declares, in bytes; undefined for a short or non-zstd head. */
export function zstdWindow(head: Buffer): number | undefined {
  if (head.length < 6 || !head.subarray(0, 4).equals(ZSTD)) return undefined;
  const fhd = head[4]!;
  const singleSegment = (fhd >> 5) & 1;
  if (!singleSegment) {
    const wd = head[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // Single segment: the window is the content size.
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const sizeBytes = [1, 2, 4, 8][fhd >> 6]!;
  const at = 5 + dictBytes;
  if (head.length < at + sizeBytes) return undefined;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + head[at + i]!;
  return sizeBytes === 2 ? size + 256 : size;
}

function zstdProcess(): Duplex {
  // --memory caps the window of every frame, as containerd's decoder does.
  const zstd = zstdDecompress({ maxWindowMiB: ZSTD_MAX_WINDOW / 2 ** 20, failure: zstdFailure });
  // The first frame's header is checked here too, for a clear message before zstd says it.
  let head: Buffer | undefined = Buffer.alloc(0);
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (head) {
        head = Buffer.concat([head, chunk]);
        const window = zstdWindow(head);
        if (window !== undefined && window > ZSTD_MAX_WINDOW) return done(windowError(window));
        if (window !== undefined || head.length >= 18) head = undefined;
      }
      done(null, chunk);
    },
  });
  check.pipe(zstd);
  const duplex = Duplex.from({ writable: check, readable: zstd });
  duplex.on('close', () => zstd.destroy());
  return duplex;
}

function windowError(window: number): UnpackError {
  return new UnpackError(`zstd layer declares a ${(window / 2 ** 20).toFixed(0)} MiB window; at most ${ZSTD_MAX_WINDOW / 2 ** 20} MiB is accepted (as containerd)`);
}

function zstdFailure({ stderr, code, signal }: ZstdExit): Error {
  const m = /Window size larger than maximum : (\d+)/.exec(stderr);
  if (m) return windowError(Number(m[1]));
  const why = stderr.split('\n').map((l) => l.replace(/^.*?: /, '').trim()).find((l) => l) ?? `exit ${code ?? signal}`;
  return new Error(`zstd: ${why}`);
}
