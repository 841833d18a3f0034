import { invalid } from '../errors.js';
import type { FsMetaOp } from './types.js';

const u32 = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff;

/** Refuses malformed ops before any is applied, naming the op's index. */
export function checkFsOps(ops: readonly FsMetaOp[]): void {
  ops.forEach((o, i) => {
    const bad = (why: string) => {
      const e = invalid(`fs op ${i} (${String(o?.op)} ${String(o?.path)}): ${why}`);
      e.opIndex = i;
      return e;
    };
    const path: unknown = o?.path;
    const absolute = typeof path === 'string' ? path.startsWith('/') && !path.includes('\0') : Buffer.isBuffer(path) && path[0] === 0x2f && !path.includes(0);
    if (!absolute) throw bad('path must be absolute');
    switch (o.op) {
      case 'mknod':
        if (!['char', 'block', 'fifo'].includes(o.type)) throw bad(`type "${String(o.type)}" is not char, block or fifo`);
        if (!u32(o.major) || !u32(o.minor) || !(Number.isInteger(o.mode) && o.mode >= 0 && o.mode <= 0o7777)) throw bad('mode, major and minor must be integers');
        break;
      case 'setxattr':
        if (typeof o.name !== 'string' || !/^[a-z]+\.[^\0]+$/.test(o.name)) throw bad(`xattr name "${String(o.name)}" has no namespace`);
        if (!Buffer.isBuffer(o.value)) throw bad('xattr value must be a Buffer');
        break;
      case 'chown':
        if (!u32(o.uid) || !u32(o.gid)) throw bad('uid and gid must be 32-bit unsigned integers');
        break;
      case 'chmod':
        if (!(Number.isInteger(o.mode) && o.mode >= 0 && o.mode <= 0o7777)) throw bad('mode must be in 0..0o7777');
        break;
      case 'utimes':
        if (typeof o.atimeNs !== 'bigint' || typeof o.mtimeNs !== 'bigint') throw bad('times must be bigint nanoseconds');
        break;
      default:
        throw bad('unknown op');
    }
  });
}

/** S_IF* bits of a device node or fifo. */
export const S_IF = { char: 0o020000, block: 0o060000, fifo: 0o010000 } as const;
