import type { Readable } from 'node:stream';
import { diskFileTree, type FileTree } from '../../host/image-fs/tree.js';
import type { FsMeta, FsMetaOp, FsPath } from '../../host/image-fs/types.js';
import { trace } from '../../trace.js';
import { paxTime, printable, readTar, UnpackError, type TarHeader } from './tar.js';

export { paxTime, UnpackError };

// One layer tar into one empty directory, in the form overlayfs reads as a lower dir:
// `.wh.<name>` becomes a whiteout (char device 0:0) named <name>, `.wh..wh..opq` the
// trusted.overlay.opaque=y xattr on its directory (containerd's OverlayConvertWhiteout).
// Nothing is ever written through a symlink or outside the directory: entry names are
// cleaned lexically ('a/../x' is 'x', as containerd's filepath.Clean), a name that climbs
// out is refused, and so is a path under a symlink this layer created (the directory starts
// empty, so every symlink in it is one we made).
//
// Work and memory are linear in the layer: names are checked as each entry arrives, the
// tree of what is where is a Map per directory (replacing a path costs its own subtree,
// not the whole layer), and metadata goes to the addon in batches of BATCH ops.

const log = trace('images');

const OPAQUE = '.wh..wh..opq';
const WHITEOUT = '.wh.';
const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Ops per addon call: a layer's metadata in a few threads, not one per file. */
const BATCH = 8192;
/** Linux's PATH_MAX and NAME_MAX, in bytes: what the kernel would refuse anyway. */
const PATH_MAX = 4096;
const NAME_MAX = 255;
/** The xattr namespaces Linux knows; it answers EOPNOTSUPP for any other, which containerd ignores. */
const XATTR_NAMESPACES = ['user.', 'trusted.', 'security.', 'system.'];

type Kind = 'dir' | 'file' | 'symlink' | 'special';

/** What the layer holds at one path; names are latin1 strings (one char per byte). */
class Node {
  readonly children = new Map<string, Node>();
  /** Removed (or under something removed): its queued ops are dropped. */
  dead = false;
  /** The flush generation in which it last had ops queued. */
  queuedIn = -1;
  /** A directory's times, applied after everything under it. */
  times?: FsMetaOp;
  /** Made by link(2): on disk at once, whatever is queued for it. */
  linked = false;
  /** Another name links to its inode: its queued metadata must land even if it goes. */
  shared = false;
  constructor(public kind: Kind, readonly parent: Node | null, readonly name: string) {}
}

/**
 * Extracts the tar read from `source` into `dir`, which must exist and be empty, setting
 * ownership, modes, times and xattrs through `fs` as the data is written. Rejects with
 * UnpackError for an entry that would escape `dir` or pass through a symlink, a hardlink to
 * something outside this layer, a malformed whiteout, a name longer than Linux allows, or a
 * malformed or cut archive; with the source's error; with HostError from `fs`, or the error of
 * `files`. `dir` is left half-written on failure: the caller unpacks into a temporary directory.
 */
export async function extractTar(source: Readable, dir: string, fs: FsMeta, files: FileTree = diskFileTree): Promise<void> {
  const tree = new LayerTree(dir, fs, files);
  try {
    for await (const entry of readTar(source)) {
      await tree.add(entry.header, entry.data);
    }
  } catch (err) {
    source.destroy();
    throw err;
  }
  await tree.finish();
}

/** The layer being written: what each path is, and the metadata still to apply. */
class LayerTree {
  private readonly root = new Node('dir', null, '');
  private queue: { node: Node; op: FsMetaOp }[] = [];
  private generation = 0;

  constructor(private readonly dir: string, private readonly fs: FsMeta, private readonly files: FileTree) {}

  async add(h: TarHeader, data: AsyncIterable<Buffer>): Promise<void> {
    if (this.queue.length >= BATCH) await this.flush();
    const parts = cleanPath(h.name, 'layer entry');
    if (parts.length === 0) {
      if (h.type === 'directory') this.describe(this.root, h);
      return;
    }
    const base = parts[parts.length - 1]!;
    const parent = await this.ensureDirs(parts.slice(0, -1), h.name);
    if (base === OPAQUE) {
      this.push(parent, { op: 'setxattr', path: this.abs(parent), name: OPAQUE_XATTR, value: Buffer.from('y') });
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk): no meaning to overlay
    if (base.startsWith(WHITEOUT)) {
      const name = base.slice(WHITEOUT.length);
      if (!name || name === '.' || name === '..') throw new UnpackError(`layer entry "${printable(h.name)}" is a whiteout of nothing`);
      await this.remove(child(parent, name));
      const node = this.attach(parent, name, 'special');
      const path = this.abs(node);
      this.push(node, { op: 'mknod', path, type: 'char', mode: 0, major: 0, minor: 0 }, { op: 'chown', path, uid: id(h.uid), gid: id(h.gid) });
      return;
    }
    const existing = child(parent, base);
    if (existing && existing.kind === 'dir' && h.type === 'directory') {
      this.describe(existing, h);
      return;
    }
    await this.remove(existing);
    switch (h.type) {
      case 'directory': {
        const node = this.attach(parent, base, 'dir');
        await this.files.mkdir(this.abs(node), 0o700);
        this.describe(node, h);
        return;
      }
      case 'file': {
        const node = this.attach(parent, base, 'file');
        await this.files.writeNew(this.abs(node), data, 0o600);
        this.describe(node, h);
        return;
      }
      case 'symlink': {
        if (Buffer.byteLength(h.linkname, 'latin1') >= PATH_MAX) throw new UnpackError(`layer entry "${printable(h.name)}" is a symlink to a target longer than PATH_MAX (${PATH_MAX} bytes)`);
        const node = this.attach(parent, base, 'symlink');
        await this.files.symlink(Buffer.from(h.linkname, 'latin1'), this.abs(node));
        this.describe(node, h);
        return;
      }
      case 'link':
        await this.hardlink(parent, base, h);
        return;
      case 'char':
      case 'block':
      case 'fifo': {
        const node = this.attach(parent, base, 'special');
        this.push(node, { op: 'mknod', path: this.abs(node), type: h.type, mode: h.mode & 0o7777, major: h.devmajor, minor: h.devminor });
        this.describe(node, h);
        return;
      }
      default:
        log(() => `layer entry "${printable(h.name)}" of type ${h.typeflag} skipped`);
    }
  }

  /** Applies what is still queued, then directory times, deepest first. */
  async finish(): Promise<void> {
    await this.flush();
    // Post-order: a directory's children (and their times) before the directory.
    const order: Node[] = [];
    const stack = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      order.push(n);
      for (const c of n.children.values()) if (c.kind === 'dir' && !c.dead) stack.push(c);
    }
    let batch: FsMetaOp[] = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const times = order[i]!.times;
      if (times) batch.push(times);
      if (batch.length >= BATCH) {
        await this.apply(batch);
        batch = [];
      }
    }
    await this.apply(batch);
  }

  private async hardlink(parent: Node, base: string, h: TarHeader): Promise<void> {
    const parts = cleanPath(h.linkname, 'hard link target');
    let target: Node | undefined = parts.length > 0 ? this.root : undefined;
    for (const [i, part] of parts.entries()) {
      if (target!.kind !== 'dir') throw new UnpackError(`hard link target "${printable(h.linkname)}" lies under the ${target!.kind} "${printable(parts.slice(0, i).join('/'))}"`);
      target = child(target!, part);
      if (!target) break;
    }
    if (!target) throw new UnpackError(`layer entry "${printable(h.name)}" is a hard link to "${printable(h.linkname)}", which is not in this layer`);
    if (target.kind === 'dir') throw new UnpackError(`layer entry "${printable(h.name)}" is a hard link to directory "${printable(h.linkname)}"`);
    // A device node or fifo exists only once its queued mknod has run.
    if (isUnmade(target, this.generation)) await this.flush();
    target.shared = true;
    const node = this.attach(parent, base, target.kind);
    node.linked = true;
    await this.files.link(this.abs(target), this.abs(node));
  }

  /** Ownership, mode, xattrs and times of an entry; a hard link shares its target's inode and has none. */
  private describe(node: Node, h: TarHeader): void {
    const path = this.abs(node);
    const ops: FsMetaOp[] = [{ op: 'chown', path, uid: id(h.uid), gid: id(h.gid) }];
    // After chown, which clears setuid/setgid.
    if (node.kind !== 'symlink') ops.push({ op: 'chmod', path, mode: h.mode & 0o7777 });
    for (const [name, value] of xattrs(h)) ops.push({ op: 'setxattr', path, name, value });
    const times: FsMetaOp = { op: 'utimes', path, atimeNs: h.atimeNs ?? h.mtimeNs, mtimeNs: h.mtimeNs };
    if (node.kind === 'dir') node.times = times;
    else ops.push(times);
    this.push(node, ...ops);
  }

  private attach(parent: Node, name: string, kind: Kind): Node {
    const node = new Node(kind, parent, name);
    parent.children.set(name, node);
    return node;
  }

  private push(node: Node, ...ops: FsMetaOp[]): void {
    node.queuedIn = this.generation;
    for (const op of ops) this.queue.push({ node, op });
  }

  private async flush(): Promise<void> {
    const ops = this.queue.filter((q) => !q.node.dead).map((q) => q.op);
    this.queue = [];
    this.generation++;
    for (let i = 0; i < ops.length; i += BATCH) await this.apply(ops.slice(i, i + BATCH));
  }

  /** Xattrs from the archive that the filesystem refuses are skipped, as containerd does;
   *  every other failure fails the layer. */
  private async apply(ops: FsMetaOp[]): Promise<void> {
    for (let start = 0; start < ops.length; ) {
      const batch = start === 0 ? ops : ops.slice(start);
      try {
        await this.fs.apply(batch);
        start = ops.length;
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

  /** Walks to the directory at parts, creating missing ones (mode 0755, as tar does);
   *  refuses to go through anything but a directory. */
  private async ensureDirs(parts: string[], entry: string): Promise<Node> {
    let node = this.root;
    for (const part of parts) {
      let next = child(node, part);
      if (next && next.kind !== 'dir') {
        throw new UnpackError(`layer entry "${printable(entry)}" lies under ${next.kind === 'symlink' ? 'the symlink' : 'the non-directory'} "${printable(pathOf(next))}"`);
      }
      if (!next) {
        next = this.attach(node, part, 'dir');
        await this.files.mkdir(this.abs(next), 0o755);
      }
      node = next;
    }
    return node;
  }

  /** A later entry replaces an earlier one at the same path (tar semantics). Costs the size
   *  of what is removed. */
  private async remove(node: Node | undefined): Promise<void> {
    if (!node) return;
    const doomed = [node];
    for (let i = 0; i < doomed.length; i++) for (const c of doomed[i]!.children.values()) if (!c.dead) doomed.push(c);
    // An inode another name links to keeps the metadata queued under this name.
    if (doomed.some((n) => n.shared && n.queuedIn === this.generation)) await this.flush();
    if (node.kind === 'dir') await this.files.removeTree(this.abs(node));
    else if (!isUnmade(node, this.generation)) await this.files.unlink(this.abs(node));
    // Left in its parent's Map, marked dead: V8's Map turns a delete and set of one key into
    // a rehash of the whole Map every so often, which made replacing one path quadratic again.
    for (const n of doomed) n.dead = true;
  }

  private abs(node: Node): FsPath {
    const rel = pathOf(node);
    return rel ? fsPath(this.dir, rel) : this.dir;
  }
}

/** A device node, fifo or whiteout whose mknod is still queued: not on disk yet. */
function isUnmade(node: Node, generation: number): boolean {
  return node.kind === 'special' && !node.linked && node.queuedIn === generation;
}

/** The live node at name under parent. */
function child(parent: Node, name: string): Node | undefined {
  const n = parent.children.get(name);
  return n && !n.dead ? n : undefined;
}

function pathOf(node: Node): string {
  const parts: string[] = [];
  for (let n: Node | null = node; n && n.parent; n = n.parent) parts.push(n.name);
  return parts.reverse().join('/');
}

/** dir/rel with rel's bytes as they are: a string where they are UTF-8, else a Buffer
 *  (Node's fs and the addon take both), so a name is never rewritten to U+FFFD. */
function fsPath(dir: string, rel: string): FsPath {
  const bytes = Buffer.from(rel, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? `${dir}/${text}` : Buffer.concat([Buffer.from(`${dir}/`), bytes]);
}

/**
 * Archive path -> components, cleaned as Go's filepath.Clean does ('.', empty parts and
 * 'x/..' pairs dropped, a leading '/' ignored). Refuses a path that climbs above the layer,
 * contains NUL, or exceeds Linux's PATH_MAX / NAME_MAX. Names are latin1 strings.
 */
export function cleanPath(name: string, what = 'layer entry'): string[] {
  if (name.includes('\0')) throw new UnpackError(`${what} name contains NUL`);
  if (name.length >= PATH_MAX) throw new UnpackError(`${what} "${printable(name)}" is longer than PATH_MAX (${PATH_MAX} bytes)`);
  const out: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) throw new UnpackError(`${what} "${printable(name)}" climbs out of the layer (path traversal)`);
      out.pop();
      continue;
    }
    if (p.length > NAME_MAX) throw new UnpackError(`${what} "${printable(name)}" has a component longer than NAME_MAX (${NAME_MAX} bytes)`);
    out.push(p);
  }
  return out;
}

/** SCHILY.xattr.* records. overlay's own trusted.overlay.* would change what the merged view
 *  shows (redirects, opaque dirs), so a layer may not bring them in; a name outside the
 *  namespaces Linux knows is refused by the kernel with EOPNOTSUPP, which containerd ignores. */
function xattrs(h: TarHeader): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [key, value] of h.pax) {
    if (!key.startsWith('SCHILY.xattr.')) continue;
    const name = key.slice('SCHILY.xattr.'.length);
    if (name.startsWith('trusted.overlay.')) continue;
    if (!XATTR_NAMESPACES.some((ns) => name.startsWith(ns) && name.length > ns.length) || name.includes('\0')) {
      log(() => `xattr "${name}" of "${printable(h.name)}" is in no namespace Linux knows and was skipped`);
      continue;
    }
    out.push([name, value]);
  }
  return out;
}

/** An owner id outside 32 bits becomes 0 rather than failing the layer. */
const id = (n: number) => (Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0);
