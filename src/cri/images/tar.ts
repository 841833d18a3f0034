import type { Readable } from 'node:stream';

// A pull-based tar reader with the end-of-archive rules of Go's archive/tar, which
// containerd unpacks with: the archive ends cleanly at EOF where a header would start,
// inside (or right at the start of) the padding after an entry's data, or after one zero
// block. Debian's umoci 0.4.7 writes layers that stop right after the last entry's data.
// EOF inside a header block, inside an extended header or inside an entry's data is an error.
//
// Names, link targets and PAX values stay bytes (latin1 strings hold one byte per char),
// so a name that is not UTF-8 reaches the disk unchanged and a binary xattr value
// (security.capability) keeps its bytes. Everything an entry carries before its data is
// capped, so a hostile header costs at most MAX_EXTENDED bytes of memory.

const BLOCK = 512;
/** Go's archive/tar maxSpecialFileSize: a PAX record set or a GNU long name. */
const MAX_EXTENDED = 1 << 20;

/** A layer the unpack refuses: malformed, cut short, or hostile. */
export class UnpackError extends Error {
  override readonly name = 'UnpackError';
}

export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo' | 'other';

export interface TarHeader {
  /** The path as in the archive, one latin1 char per byte. */
  name: string;
  /** Hard or symbolic link target, one latin1 char per byte. */
  linkname: string;
  type: TarType;
  /** The raw type flag, for messages. */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for header-only types, whatever the size field says). */
  size: number;
  /** Nanoseconds since the epoch. */
  mtimeNs: bigint;
  atimeNs?: bigint;
  devmajor: number;
  devminor: number;
  /** This entry's PAX records (global ones are ignored, as containerd does). */
  pax: Map<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; read it or not, the reader skips what is left. */
  data: AsyncIterable<Buffer>;
}

/** Pulls bytes from a stream: exact reads and bounded chunk runs. */
class ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private head: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to n bytes (fewer only at EOF), as one chunk of what is buffered. */
  async chunk(n: number): Promise<Buffer> {
    if (this.head.length === 0) await this.fill();
    const out = this.head.subarray(0, n);
    this.head = this.head.subarray(out.length);
    return out;
  }

  /** Exactly n bytes, or fewer when EOF came first. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const c = await this.chunk(n - got);
      if (c.length === 0) break;
      parts.push(c);
      got += c.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  /** Skips n bytes; returns how many were there. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const c = await this.chunk(Math.min(left, 1 << 20));
      if (c.length === 0) break;
      left -= c.length;
    }
    return n - left;
  }

  /** Reads to EOF (what follows the end-of-archive still counts for the diffID). */
  async drain(): Promise<void> {
    this.head = Buffer.alloc(0);
    while (!this.done) await this.fill();
  }

  private async fill(): Promise<void> {
    if (this.done) return;
    const r = await this.it.next();
    if (r.done) this.done = true;
    else this.head = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
  }
}

/**
 * The entries of the tar read from `source`, in order. Each entry's data must be consumed
 * (or abandoned) before asking for the next. Throws UnpackError for a malformed or cut archive;
 * rethrows the source's errors.
 */
export async function* readTar(source: Readable | AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source as AsyncIterable<Buffer>);
  let pax = new Map<string, Buffer>();
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  let pad = 0;
  for (;;) {
    // Go's Reader.Next: EOF anywhere in the padding is the end of the archive.
    if (pad > 0 && (await src.skip(pad)) < pad) break;
    pad = 0;
    const block = await src.read(BLOCK);
    if (block.length === 0) break;
    if (block.length < BLOCK) throw new UnpackError('layer tar is cut inside a header');
    if (isZero(block)) {
      const second = await src.read(BLOCK);
      if (second.length > 0 && second.length < BLOCK) throw new UnpackError('layer tar is cut inside its end-of-archive blocks');
      if (second.length === BLOCK && !isZero(second)) throw new UnpackError('layer tar has a header after a zero block');
      break;
    }
    const raw = parseBlock(block);
    const extended = raw.typeflag === 'x' || raw.typeflag === 'g' || raw.typeflag === 'L' || raw.typeflag === 'K';
    if (extended) {
      if (raw.size > MAX_EXTENDED) throw new UnpackError(`layer tar has an extended header of ${raw.size} bytes (at most ${MAX_EXTENDED})`);
      const body = await src.read(raw.size);
      if (body.length < raw.size) throw new UnpackError('layer tar is cut inside an extended header');
      pad = padding(raw.size);
      if (pad > 0 && (await src.skip(pad)) < pad) throw new UnpackError('layer tar is cut after an extended header');
      pad = 0;
      if (raw.typeflag === 'x') pax = parsePax(body);
      else if (raw.typeflag === 'L') longName = cString(body);
      else if (raw.typeflag === 'K') longLink = cString(body);
      continue; // 'g': global records are ignored, as containerd does
    }
    if (raw.typeflag === 'S') throw new UnpackError('layer tar has a GNU sparse file, which is not supported');
    const header = toHeader(raw, pax, longName, longLink);
    pax = new Map();
    longName = longLink = undefined;
    let left = header.size;
    const data = async function* (): AsyncGenerator<Buffer> {
      while (left > 0) {
        const c = await src.chunk(Math.min(left, 1 << 20));
        if (c.length === 0) throw new UnpackError(`layer tar is cut inside the data of "${printable(header.name)}"`);
        left -= c.length;
        yield c;
      }
    };
    yield { header, data: data() };
    if (left > 0 && (await src.skip(left)) < left) throw new UnpackError(`layer tar is cut inside the data of "${printable(header.name)}"`);
    pad = padding(header.size);
  }
  await src.drain();
}

interface RawHeader {
  name: Buffer;
  linkname: Buffer;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

function parseBlock(b: Buffer): RawHeader {
  const sum = numeric(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (sum !== unsigned && sum !== signed) throw new UnpackError('layer tar has a header with a bad checksum (not a tar, or corrupt)');
  let name = cString(b.subarray(0, 100));
  // POSIX ustar: a prefix field joins the name; GNU's magic ("ustar  ") puts times there instead.
  if (b.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cString(b.subarray(345, 500));
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
  }
  return {
    name,
    linkname: cString(b.subarray(157, 257)),
    typeflag: String.fromCharCode(b[156]!),
    mode: numeric(b, 100, 8, 'mode'),
    uid: numeric(b, 108, 8, 'uid'),
    gid: numeric(b, 116, 8, 'gid'),
    size: numeric(b, 124, 12, 'size'),
    mtime: numeric(b, 136, 12, 'mtime'),
    devmajor: numeric(b, 329, 8, 'devmajor'),
    devminor: numeric(b, 337, 8, 'devminor'),
  };
}

const TYPES = new Map<string, TarType>([['0', 'file'], ['7', 'file'], ['1', 'link'], ['2', 'symlink'], ['3', 'char'], ['4', 'block'], ['5', 'directory'], ['6', 'fifo']]);

function toHeader(raw: RawHeader, pax: Map<string, Buffer>, longName?: Buffer, longLink?: Buffer): TarHeader {
  const text = (key: string) => pax.get(key)?.toString('latin1');
  const name = text('path') ?? (longName ?? raw.name).toString('latin1');
  // Old tars' NUL type flag: a directory when the name ends in '/' (as Go reads it).
  const type = raw.typeflag === '\0' ? (name.endsWith('/') ? 'directory' : 'file') : TYPES.get(raw.typeflag) ?? 'other';
  const int = (key: string, fallback: number) => {
    const v = text(key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UnpackError(`layer tar has a bad PAX ${key} "${printable(v)}"`);
    return Number(v);
  };
  const mtimeNs = paxTime(text('mtime')) ?? BigInt(raw.mtime) * 1_000_000_000n;
  // Go reads no data for these whatever the size field says.
  const headerOnly = type !== 'file' && type !== 'other';
  return {
    name,
    linkname: text('linkpath') ?? (longLink ?? raw.linkname).toString('latin1'),
    type,
    typeflag: raw.typeflag,
    mode: raw.mode,
    uid: int('uid', raw.uid),
    gid: int('gid', raw.gid),
    size: headerOnly ? 0 : int('size', raw.size),
    mtimeNs,
    atimeNs: paxTime(text('atime')),
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    pax,
  };
}

/** PAX records `<len> <key>=<value>\n`; values stay bytes. */
function parsePax(body: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < body.length) {
    const sp = body.indexOf(0x20, at);
    const len = sp > at ? Number(body.toString('latin1', at, sp)) : NaN;
    const end = at + len;
    if (!Number.isSafeInteger(len) || end > body.length || body[end - 1] !== 0x0a) throw new UnpackError('layer tar has a malformed PAX record');
    const record = body.subarray(sp + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new UnpackError('layer tar has a malformed PAX record');
    out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    at = end;
  }
  return out;
}

/** Octal (space/NUL padded) or, with the high bit set, GNU base-256. */
function numeric(b: Buffer, off: number, len: number, field: string): number {
  const f = b.subarray(off, off + len);
  if (f[0]! & 0x80) {
    if (f[0] === 0xff) throw new UnpackError(`layer tar has a negative ${field}`);
    let n = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    if (!Number.isSafeInteger(n)) throw new UnpackError(`layer tar has a ${field} too large`);
    return n;
  }
  const s = cString(f).toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new UnpackError(`layer tar has a header with a bad ${field} field (not a tar, or corrupt)`);
  return parseInt(s, 8);
}

/** PAX time 'seconds[.fraction]' -> nanoseconds. */
export function paxTime(text: string | undefined): bigint | undefined {
  const m = text === undefined ? null : /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return undefined;
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0').slice(0, 9));
  return m[1] ? -ns : ns;
}

/** Bytes up to the first NUL. */
function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** A latin1 (byte) name for a message: UTF-8 where it is, short. */
export function printable(name: string): string {
  const s = Buffer.from(name, 'latin1').toString('utf8');
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
