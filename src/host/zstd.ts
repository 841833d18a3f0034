// Debian's `zstd` as a stream decompressor in a child process: Node 20 has no zstd, and a
// pure-JS decoder runs on the event loop and copies its whole window once per block (a 4 KB
// blob declaring a 512 MiB window takes minutes and 600 MB that way, 0.2 s in libzstd).
// What a window too large means to the caller is the caller's: it names the error.
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';

/** How zstd ended when it did not succeed. */
export interface ZstdExit {
  /** Its first 4 KiB of stderr. */
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ZstdOptions {
  /** zstd --memory: frames needing a larger window are refused. Whole MiB. */
  maxWindowMiB: number;
  /** The error the stream fails with when zstd exits non-zero or is killed. */
  failure: (exit: ZstdExit) => Error;
  /** Defaults to `zstd` on PATH (Debian package zstd). */
  binary?: string;
}

/**
 * A stream that decompresses what is written to it. Ends when zstd exits 0; errors with
 * opts.failure(...) otherwise, or with "cannot run the zstd decompressor" when zstd cannot
 * be started. Destroying it kills zstd by PID.
 */
export function zstdDecompress(opts: ZstdOptions): Duplex {
  const child = spawn(opts.binary ?? 'zstd', ['-d', '-c', '-q', `--memory=${opts.maxWindowMiB}MB`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  // EPIPE once zstd gave up: its exit status says why. A pipe from `input` rather than the
  // stdin itself as the writable side, because pipe() does not forward that error.
  child.stdin.on('error', () => {});
  const input = new PassThrough();
  input.pipe(child.stdin);
  const out = new PassThrough();
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new Error(`zstd: cannot run the zstd decompressor (Debian package zstd): ${err.message}`)));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(opts.failure({ stderr, code, signal }));
  });
  const duplex = Duplex.from({ writable: input, readable: out });
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return duplex;
}
