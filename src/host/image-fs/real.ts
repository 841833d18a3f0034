import type { NativeFsOp } from '../../../native/binding.js';
import { toHostError } from '../errors.js';
import { native } from '../native.js';
import type { FsMeta, FsMetaOp } from './types.js';
import { S_IF, checkFsOps } from './validate.js';

/** One addon thread per batch (a whole layer's metadata in one call). */
export class RealFsMeta implements FsMeta {
  async apply(ops: readonly FsMetaOp[]): Promise<void> {
    checkFsOps(ops);
    if (ops.length === 0) return;
    try {
      await native().fsApply(ops.map(toNative));
    } catch (err) {
      throw toHostError(err);
    }
  }
}

function toNative(o: FsMetaOp): NativeFsOp {
  switch (o.op) {
    case 'mknod': return { op: 'mknod', path: o.path, mode: S_IF[o.type] | o.mode, major: o.major, minor: o.minor };
    case 'setxattr': return { op: 'lsetxattr', path: o.path, name: o.name, value: o.value };
    case 'chown': return { op: 'lchown', path: o.path, uid: o.uid, gid: o.gid };
    case 'chmod': return { op: 'chmod', path: o.path, mode: o.mode };
    case 'utimes': return { op: 'lutimes', path: o.path, atimeNs: o.atimeNs, mtimeNs: o.mtimeNs };
  }
}
