import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { Duplex, PassThrough, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UnpackError } from './tar.js';

// Layer blobs come gzip'd, zstd'd or plain. The magic bytes decide, as containerd's
// DecompressStream does: a media type saying 'tar' over gzip'd bytes still unpacks.
//
// No decompression runs on the event loop: gzip is Node's zlib stream (libuv's thread
// pool), zstd is Debian's `zstd` in a child process. Node 20 has no zstd, and fzstd (pure
// JS) copies its whole window once per block: a 4 KB blob declaring a 512 MiB window and a
// thousand RLE blocks takes minutes and 600 MB there, and 0.2 s in libzstd.

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
  const child = spawn('zstd', ['-d', '-c', '-q', `--memory=${ZSTD_MAX_WINDOW / (1024 * 1024)}MB`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.stdin.on('error', () => {}); // EPIPE when zstd gave up: its exit status says why
  const out = new PassThrough();
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new Error(`zstd: cannot run the zstd decompressor (Debian package zstd): ${err.message}`)));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(zstdFailure(stderr, code, signal));
  });
  // The first frame's header is checked here too, for a clear message before zstd says it.
  let head: Buffer | undefined = Buffer.alloc(0);
  const input = new Transform({
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
  input.pipe(child.stdin);
  const duplex = Duplex.from({ writable: input, readable: out });
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return duplex;
}

function windowError(window: number): UnpackError {
  return new UnpackError(`zstd layer declares a ${(window / 2 ** 20).toFixed(0)} MiB window; at most ${ZSTD_MAX_WINDOW / 2 ** 20} MiB is accepted (as containerd)`);
}

function zstdFailure(stderr: string, code: number | null, signal: NodeJS.Signals | null): Error {
  const m = /Window size larger than maximum : (\d+)/.exec(stderr);
  if (m) return windowError(Number(m[1]));
  const why = stderr.split('\n').map((l) => l.replace(/^.*?: /, '').trim()).find((l) => l) ?? `exit ${code ?? signal}`;
  return new Error(`zstd: ${why}`);
}
