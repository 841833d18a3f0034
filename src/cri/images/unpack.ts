import { createWriteStream } from 'node:fs';
import { link, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header as TarHeader } from 'tar-stream';
import type { FsMeta, FsMetaOp } from '../../host/fs/types.js';
import { trace } from '../../trace.js';

// One layer tar into one empty directory, in the form overlayfs reads as a lower dir:
// `.wh.<name>` becomes a whiteout (char device 0:0) named <name>, `.wh..wh..opq` the
// trusted.overlay.opaque=y xattr on its directory (containerd's OverlayConvertWhiteout).
// Nothing is ever written through a symlink or outside the directory: entries are
// archive paths, '..' is refused, and a path under a symlink this layer created is refused
// (the directory starts empty, so every symlink in it is one we made).

const log = trace('images');

const OPAQUE = '.wh..wh..opq';
const WHITEOUT = '.wh.';
const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Ops per addon call: a layer's metadata in a few threads, not one per file. */
const BATCH = 8192;

export class UnpackError extends Error {
  override readonly name = 'UnpackError';
}

type Kind = 'dir' | 'file' | 'symlink' | 'special';

type Header = Omit<TarHeader, 'type' | 'pax'> & {
  type?: TarHeader['type'] | null;
  /** The entry's PAX records, decoded as UTF-8. */
  pax?: Record<string, string> | null;
};

/**
 * Extracts the tar read from `source` into `dir`, which must exist and be empty, setting
 * ownership, modes, times and xattrs through `fs` once the data is written. Rejects with
 * UnpackError for an entry that would escape `dir` or pass through a symlink, a hardlink to
 * something outside this layer, or a malformed whiteout; with the stream's error for a
 * corrupt archive; with HostError from `fs`. `dir` is left half-written on failure: the
 * caller unpacks into a temporary directory.
 */
export async function extractTar(source: Readable, dir: string, fs: FsMeta): Promise<void> {
  const extract = tarExtract();
  const feeding = pipeline(source, extract);
  feeding.catch(() => {}); // its error also ends the iteration below, which rethrows it
  const tree = new LayerTree(dir, fs);
  try {
    for await (const entry of extract) {
      await tree.add(entry.header as Header, entry as AsyncIterable<Buffer>);
      entry.resume(); // whatever the entry did not read (a symlink's or a device's nothing)
    }
    await feeding;
  } catch (err) {
    source.destroy();
    throw err;
  }
  await tree.finish();
}

/** The layer being written: what each path is, and the metadata still to apply. */
class LayerTree {
  private readonly kinds = new Map<string, Kind>([['', 'dir']]);
  /** Per path, in order; applied in batches (Map order is creation order). */
  private readonly ops = new Map<string, FsMetaOp[]>();
  /** Directory times go last: creating children changes a directory's mtime. */
  private readonly dirTimes = new Map<string, FsMetaOp>();

  constructor(private readonly dir: string, private readonly fs: FsMeta) {}

  async add(h: Header, data: AsyncIterable<Buffer>): Promise<void> {
    const parts = archivePath(h.name);
    const rel = parts.join('/');
    if (parts.length === 0) {
      if (h.type === 'directory') this.describe('', h, 'dir');
      return;
    }
    const parent = parts.slice(0, -1);
    const base = parts[parts.length - 1]!;
    await this.ensureDirs(parent, rel);
    const parentRel = parent.join('/');
    if (base === OPAQUE) {
      this.queue(parentRel, { op: 'setxattr', path: this.abs(parentRel), name: OPAQUE_XATTR, value: Buffer.from('y') });
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk): no meaning to overlay
    if (base.startsWith(WHITEOUT)) {
      const name = base.slice(WHITEOUT.length);
      if (!name || name === '.' || name === '..') throw new UnpackError(`layer entry "${h.name}" is a whiteout of nothing`);
      const target = parentRel ? `${parentRel}/${name}` : name;
      await this.remove(target);
      this.kinds.set(target, 'special');
      const path = this.abs(target);
      this.queue(target, { op: 'mknod', path, type: 'char', mode: 0, major: 0, minor: 0 }, { op: 'chown', path, uid: owner(h, 'uid'), gid: owner(h, 'gid') });
      return;
    }
    const existing = this.kinds.get(rel);
    if (existing && !(existing === 'dir' && h.type === 'directory')) await this.remove(rel);
    const path = this.abs(rel);
    switch (h.type) {
      case 'directory':
        if (existing !== 'dir') await mkdir(path, { mode: 0o700 });
        this.kinds.set(rel, 'dir');
        this.describe(rel, h, 'dir');
        return;
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null:
        await pipeline(data, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
        this.kinds.set(rel, 'file');
        this.describe(rel, h, 'file');
        return;
      case 'symlink':
        await symlink(h.linkname ?? '', path);
        this.kinds.set(rel, 'symlink');
        this.describe(rel, h, 'symlink');
        return;
      case 'link':
        await this.hardlink(rel, h);
        return;
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const type = h.type === 'fifo' ? 'fifo' : h.type === 'character-device' ? 'char' : 'block';
        this.kinds.set(rel, 'special');
        this.queue(rel, { op: 'mknod', path, type, mode: (h.mode ?? 0) & 0o7777, major: h.devmajor ?? 0, minor: h.devminor ?? 0 });
        this.describe(rel, h, 'special');
        return;
      }
      default:
        log(() => `layer entry "${h.name}" of type ${h.type} skipped`);
    }
  }

  /** Applies what is still queued; directory times last, deepest first. */
  async finish(): Promise<void> {
    await this.flush();
    const times = [...this.dirTimes].sort(([a], [b]) => depth(b) - depth(a)).map(([, op]) => op);
    this.dirTimes.clear();
    await this.apply(times);
  }

  private async hardlink(rel: string, h: Header): Promise<void> {
    const targetParts = archivePath(h.linkname ?? '');
    const target = targetParts.join('/');
    const kind = this.kinds.get(target);
    if (!target || !kind) throw new UnpackError(`layer entry "${h.name}" is a hard link to "${h.linkname}", which is not in this layer`);
    if (kind === 'dir') throw new UnpackError(`layer entry "${h.name}" is a hard link to directory "${h.linkname}"`);
    this.checkNoSymlinkAbove(targetParts, `hard link target "${h.linkname}"`);
    // A device node or fifo exists only once its queued mknod has run.
    if (this.ops.get(target)?.some((o) => o.op === 'mknod')) await this.flush();
    await link(this.abs(target), this.abs(rel));
    this.kinds.set(rel, kind);
  }

  /** Ownership, mode, xattrs and times of an entry; a hard link shares its target's inode and has none. */
  private describe(rel: string, h: Header, kind: Kind): void {
    const path = this.abs(rel);
    const ops: FsMetaOp[] = [{ op: 'chown', path, uid: owner(h, 'uid'), gid: owner(h, 'gid') }];
    // After chown, which clears setuid/setgid.
    if (kind !== 'symlink') ops.push({ op: 'chmod', path, mode: (h.mode ?? (kind === 'dir' ? 0o755 : 0o644)) & 0o7777 });
    for (const [name, value] of xattrs(h)) ops.push({ op: 'setxattr', path, name, value });
    const mtimeNs = paxTime(h.pax?.mtime) ?? BigInt(h.mtime?.getTime() ?? 0) * 1_000_000n;
    const times: FsMetaOp = { op: 'utimes', path, atimeNs: paxTime(h.pax?.atime) ?? mtimeNs, mtimeNs };
    if (kind === 'dir') this.dirTimes.set(rel, times);
    else ops.push(times);
    this.queue(rel, ...ops);
  }

  private queue(rel: string, ...ops: FsMetaOp[]): void {
    const list = this.ops.get(rel);
    if (list) list.push(...ops);
    else this.ops.set(rel, ops);
  }

  private async flush(): Promise<void> {
    const ops = [...this.ops.values()].flat();
    this.ops.clear();
    await this.apply(ops);
  }

  /** Xattrs from the archive that the filesystem refuses are skipped, as containerd does;
   *  every other failure fails the layer. */
  private async apply(ops: FsMetaOp[]): Promise<void> {
    for (let start = 0; start < ops.length; ) {
      const batch = ops.slice(start, start + BATCH);
      try {
        await this.fs.apply(batch);
        start += batch.length;
      } catch (err) {
        const e = err as { code?: string; opIndex?: number };
        const failed = e.opIndex === undefined ? undefined : batch[e.opIndex];
        const tolerable = failed?.op === 'setxattr' && failed.name !== OPAQUE_XATTR && ['EOPNOTSUPP', 'ENOTSUP', 'EPERM'].includes(e.code ?? '');
        if (!tolerable) throw err;
        log(() => `xattr ${failed.name} on ${failed.path} skipped: ${e.code}`);
        start += e.opIndex! + 1;
      }
    }
  }

  /** Creates missing parents (mode 0755, as tar does) and refuses to go through anything but a directory. */
  private async ensureDirs(parts: string[], entry: string): Promise<void> {
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = this.kinds.get(prefix);
      if (kind === 'dir') continue;
      if (kind !== undefined) throw new UnpackError(`layer entry "${entry}" lies under ${kind === 'symlink' ? 'the symlink' : 'the non-directory'} "${prefix}"`);
      await mkdir(this.abs(prefix), { mode: 0o755 });
      this.kinds.set(prefix, 'dir');
    }
  }

  private checkNoSymlinkAbove(parts: string[], what: string): void {
    for (let i = 1; i < parts.length; i++) {
      const kind = this.kinds.get(parts.slice(0, i).join('/'));
      if (kind !== 'dir') throw new UnpackError(`${what} lies under a ${kind ?? 'missing'} path`);
    }
  }

  /** A later entry replaces an earlier one at the same path (tar semantics). */
  private async remove(rel: string): Promise<void> {
    if (!this.kinds.has(rel)) return;
    await rm(this.abs(rel), { recursive: true, force: true });
    const inside = (p: string) => p === rel || p.startsWith(`${rel}/`);
    for (const map of [this.kinds, this.ops, this.dirTimes] as Map<string, unknown>[]) {
      for (const key of map.keys()) if (inside(key)) map.delete(key);
    }
  }

  private abs(rel: string): string {
    return rel ? join(this.dir, rel) : this.dir;
  }
}

/** Archive path -> components: leading '/' and './' dropped, '.' ignored, '..' refused. */
export function archivePath(name: string): string[] {
  if (name.includes('\0')) throw new UnpackError(`layer entry name contains NUL`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnpackError(`layer entry "${name}" contains ".." (path traversal)`);
  return parts;
}

function owner(h: Header, which: 'uid' | 'gid'): number {
  const pax = h.pax?.[which];
  const n = pax !== undefined ? Number(pax) : h[which] ?? 0;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0;
}

/** SCHILY.xattr.* records. overlay's own trusted.overlay.* would change what the merged view
 *  shows (redirects, opaque dirs), so a layer may not bring them in. */
function xattrs(h: Header): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [key, value] of Object.entries(h.pax ?? {})) {
    if (!key.startsWith('SCHILY.xattr.')) continue;
    const name = key.slice('SCHILY.xattr.'.length);
    if (name.startsWith('trusted.overlay.')) continue;
    // tar-stream decodes PAX values as UTF-8; a binary value (security.capability) arrives
    // mangled, and a wrong capability is worse than none.
    if (value.includes('\uFFFD')) {
      log(() => `xattr ${name} of "${h.name}" is not UTF-8 and was skipped`);
      continue;
    }
    out.push([name, Buffer.from(value, 'utf8')]);
  }
  return out;
}

/** PAX time 'seconds[.fraction]' -> nanoseconds. */
export function paxTime(text: string | undefined): bigint | undefined {
  const m = text === undefined ? null : /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return undefined;
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0').slice(0, 9));
  return m[1] ? -ns : ns;
}

const depth = (rel: string) => (rel ? rel.split('/').length : 0);
