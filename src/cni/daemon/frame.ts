// The wire between native/cni-shim.c (what dist/cni/skiff-<name> is) and the daemon.
// Keep this text and the comment at the top of cni-shim.c the same.
//
// Every integer is little-endian; u32 unless said otherwise. One request and one response
// per connection.
//
//   request   magic "SKC2" | u32 bodyLen | body:
//               u32 pid                 the shim: the daemon takes /proc/<pid>/ns/net as the
//                                       call's host namespace (the caller's, not its own)
//               u64 netnsInode          st_ino of the shim's /proc/self/ns/net (0: unknown),
//                                       so a pid from another pid namespace is refused
//               u64 mntnsInode          st_ino of the shim's /proc/self/ns/mnt (0: unknown):
//                                       the daemon resolves CNI_NETNS, CNI_PATH and dataDir
//                                       in its own mount namespace, so it refuses any other
//               u32 len | plugin name
//               u32 count | count x (u32 len | "CNI_KEY=value")   only CNI_* variables
//               u32 len | stdin
//   response  magic "SKC2" | u32 bodyLen | body:
//               u32 exitCode | u32 len | stdout | u32 len | stderr
//
// bodyLen is at most 16 MiB. The magic changes with the layout ("SKC1" had no mntnsInode):
// a shim and a daemon of different layouts refuse each other instead of misreading.

import { setOwn } from '../../own-keys.js';

export const MAGIC = Buffer.from('SKC2', 'latin1');
export const MAX_BODY = 16 << 20;
const HEADER = 8;

export interface CniRequest {
  pid: number;
  netnsInode: bigint;
  mntnsInode: bigint;
  plugin: string;
  /** Only CNI_* variables. */
  env: Record<string, string>;
  stdin: string;
}

export interface CniResponse {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A frame that cannot be what the other side sent: the connection is dropped. */
export class FrameError extends Error {}

export function encodeRequest(r: CniRequest): Buffer {
  const w = new Writer();
  w.u32(r.pid).u64(r.netnsInode).u64(r.mntnsInode).bytes(r.plugin);
  const entries = Object.entries(r.env);
  w.u32(entries.length);
  for (const [k, v] of entries) w.bytes(`${k}=${v}`);
  w.bytes(r.stdin);
  return w.frame();
}

/** Decodes a request body (what FrameReader returned). Throws FrameError when malformed. */
export function decodeRequest(body: Buffer): CniRequest {
  const r = new Reader(body);
  const pid = r.u32();
  const netnsInode = r.u64();
  const mntnsInode = r.u64();
  const plugin = r.text();
  const env: Record<string, string> = {};
  for (let n = r.u32(); n > 0; n--) {
    const entry = r.text();
    const eq = entry.indexOf('=');
    if (!entry.startsWith('CNI_') || eq < 0) throw new FrameError(`not a CNI_ variable: ${JSON.stringify(entry.slice(0, 64))}`);
    setOwn(env, entry.slice(0, eq), entry.slice(eq + 1));
  }
  const stdin = r.text();
  r.end();
  if (!plugin || plugin.includes('/')) throw new FrameError(`invalid plugin name ${JSON.stringify(plugin)}`);
  return { pid, netnsInode, mntnsInode, plugin, env, stdin };
}

export function encodeResponse(r: CniResponse): Buffer {
  return new Writer().u32(r.exitCode).bytes(r.stdout).bytes(r.stderr).frame();
}

/** Decodes a response body. Throws FrameError when malformed. */
export function decodeResponse(body: Buffer): CniResponse {
  const r = new Reader(body);
  const out = { exitCode: r.u32(), stdout: r.text(), stderr: r.text() };
  r.end();
  return out;
}

/**
 * Collects stream chunks until one whole frame is in. push() returns its body once complete
 * (undefined before); throws FrameError on a wrong magic, a body over MAX_BODY, or bytes
 * after the frame (one frame per connection).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;

  push(chunk: Buffer): Buffer | undefined {
    if (this.done) throw new FrameError('bytes after the frame');
    this.chunks.push(chunk);
    this.length += chunk.length;
    // Joined only while the header is incomplete and once at the end: no quadratic copying.
    if (this.chunks.length > 1 && this.chunks[0]!.length < HEADER) this.chunks = [Buffer.concat(this.chunks)];
    const head = this.chunks[0]!;
    if (!head.subarray(0, MAGIC.length).equals(MAGIC.subarray(0, Math.min(head.length, MAGIC.length)))) throw new FrameError('not a skiff CNI frame (bad magic)');
    if (head.length < HEADER) return undefined;
    const bodyLen = head.readUInt32LE(4);
    if (bodyLen > MAX_BODY) throw new FrameError(`frame of ${bodyLen} bytes is over the ${MAX_BODY} limit`);
    if (this.length < HEADER + bodyLen) return undefined;
    if (this.length > HEADER + bodyLen) throw new FrameError('bytes after the frame');
    this.done = true;
    return Buffer.concat(this.chunks).subarray(HEADER);
  }

  /** Whether some bytes of a frame arrived but not all (a peer that hung up mid-frame). */
  get partial(): boolean {
    return this.length > 0 && !this.done;
  }
}

class Writer {
  private parts: Buffer[] = [];

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }

  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    this.parts.push(b);
    return this;
  }

  bytes(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }

  frame(): Buffer {
    const body = Buffer.concat(this.parts);
    if (body.length > MAX_BODY) throw new FrameError(`frame of ${body.length} bytes is over the ${MAX_BODY} limit`);
    const head = Buffer.alloc(HEADER);
    MAGIC.copy(head);
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body]);
  }
}

class Reader {
  private at = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new FrameError(`truncated frame: ${n} bytes wanted at offset ${this.at} of ${this.buf.length}`);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }

  text(): string {
    const len = this.u32();
    this.need(len);
    const s = this.buf.toString('utf8', this.at, this.at + len);
    this.at += len;
    return s;
  }

  end(): void {
    if (this.at !== this.buf.length) throw new FrameError(`${this.buf.length - this.at} stray bytes at the end of the frame`);
  }
}
