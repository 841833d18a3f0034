import { open, stat, type FileHandle } from 'node:fs/promises';
import { toHostError } from '../errors.js';

// Namespaces of other processes, as a daemon acting for a caller sees them (skiff cni-server
// for the shim that forwarded a call): which namespace a /proc/<pid>/ns/<kind> file is, and a
// hold on one that outlives the caller's pid. Real only: there is no fake /proc.

/** The inode that identifies the namespace behind a namespace file. Rejects HostError as stat(2) fails. */
export async function namespaceInode(path: string): Promise<bigint> {
  try {
    return (await stat(path, { bigint: true })).ino;
  } catch (err) {
    throw toHostError(err);
  }
}

export interface HeldNamespace {
  inode: bigint;
  /**
   * A path naming the same namespace until close(), whatever becomes of the one opened:
   * /proc/<this pid>/fd/<n>, not /proc/self/fd/<n>, because child processes (nft, nsenter)
   * resolve "self" to themselves, and the descriptor (close-on-exec) is not theirs.
   */
  path: string;
  close(): Promise<void>;
}

/** Opens a namespace file once and holds it. Rejects HostError (ENOENT: the process is gone). */
export async function holdNamespace(path: string): Promise<HeldNamespace> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw toHostError(err);
  }
  try {
    const { ino } = await fh.stat({ bigint: true });
    return { inode: ino, path: `/proc/${process.pid}/fd/${fh.fd}`, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw toHostError(err);
  }
}
