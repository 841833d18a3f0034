import { lstatSync, writeFileSync } from 'node:fs';
import { HostError } from '../errors.js';
import type { FsMeta, FsMetaOp, FsPath } from './types.js';
import { checkFsOps } from './validate.js';

/** What the fake knows about a path beyond its bytes. */
export interface FakeNode {
  /** Set for nodes the fake created with mknod. */
  special?: { type: 'char' | 'block' | 'fifo'; major: number; minor: number };
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeNs?: bigint;
  xattrs: Map<string, Buffer>;
}

/**
 * Works on a real directory tree (unit tests unpack into temp dirs) without privilege:
 * mknod leaves an empty regular file as the node's stand-in, and metadata is kept in a
 * table instead of the inode. Refuses what the kernel refuses: mknod over an existing path
 * or under a missing parent, metadata of a missing path. All-or-nothing is not promised by
 * the real one either: ops before a failure stay applied.
 */
export class FakeFsMeta implements FsMeta {
  private readonly nodes = new Map<string, FakeNode>();

  async apply(ops: readonly FsMetaOp[]): Promise<void> {
    checkFsOps(ops);
    ops.forEach((o, i) => {
      try {
        this.one(o);
      } catch (err) {
        if (err instanceof HostError) err.opIndex = i;
        throw err;
      }
    });
  }

  /** The recorded metadata of path, if any op touched it. */
  node(path: FsPath): FakeNode | undefined {
    return this.nodes.get(key(path));
  }

  private one(o: FsMetaOp): void {
    if (o.op === 'mknod') {
      if (exists(o.path)) throw new HostError('EEXIST', `mknod "${o.path}": File exists`, 'mknod');
      if (!exists(parentOf(o.path))) throw new HostError('ENOENT', `mknod "${o.path}": No such file or directory`, 'mknod');
      writeFileSync(o.path, '');
      this.nodes.set(key(o.path), { special: { type: o.type, major: o.major, minor: o.minor }, mode: o.mode, xattrs: new Map() });
      return;
    }
    if (!exists(o.path)) throw new HostError('ENOENT', `${o.op} "${o.path}": No such file or directory`, o.op);
    const n = this.nodes.get(key(o.path)) ?? { xattrs: new Map<string, Buffer>() };
    this.nodes.set(key(o.path), n);
    if (o.op === 'setxattr') n.xattrs.set(o.name, Buffer.from(o.value));
    else if (o.op === 'chown') [n.uid, n.gid] = [o.uid, o.gid];
    else if (o.op === 'chmod') n.mode = o.mode;
    else n.mtimeNs = o.mtimeNs;
  }
}

/** One key per byte path, whether it came as a string or a Buffer. */
function key(path: FsPath): string {
  return (typeof path === 'string' ? Buffer.from(path) : path).toString('latin1');
}

function parentOf(path: FsPath): Buffer {
  const bytes = typeof path === 'string' ? Buffer.from(path) : path;
  return bytes.subarray(0, Math.max(1, bytes.lastIndexOf(0x2f)));
}

function exists(path: FsPath): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
