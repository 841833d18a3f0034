// Reading a file of a container image (its /etc/passwd, /etc/group) from the host without
// trusting the image: the path is resolved as if the rootfs were / (symlinks, absolute or
// with `..`, stay inside it, as moby's and containerd's securejoin do), only a regular file
// is opened, never a device or FIFO (whose open or read could block a libuv thread or never
// end), and at most maxBytes are read.
//
// Resolution and open are two steps, so a tree that changes in between could swap a path;
// the trees read here (a container's rootfs before it first runs) are written by skiff only.
// The open still says O_NOFOLLOW | O_NONBLOCK and the descriptor is checked to be the regular
// file that was resolved, so a swap gives an error, not a blocked thread or a host file.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError } from '../errors.js';

/** Symlinks followed in one resolution before ELOOP: securejoin's limit. */
export const MAX_SYMLINKS = 255;

const codeOf = (err: unknown) => (err as { code?: unknown })?.code;

/**
 * The host path of `path` inside `root`, every symlink resolved within root. Resolves
 * undefined when a component is missing or a non-directory is walked through (ENOENT,
 * ENOTDIR: the file is not there). Rejects with HostError ELOOP after MAX_SYMLINKS links;
 * other lstat/readlink failures (EACCES, EIO) reject as Node reports them.
 */
export async function resolveInRoot(root: string, path: string): Promise<{ hostPath: string; stats: Stats } | undefined> {
  const pending = path.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  let stats: Stats | undefined;
  while (pending.length) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop(); // `..` of the root is the root, as in the kernel
      stats = undefined;
      continue;
    }
    const hostPath = join(root, ...done, part);
    try {
      stats = await lstat(hostPath);
    } catch (err) {
      if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    if (stats.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new HostError('ELOOP', `resolving ${path} in ${root}: too many levels of symbolic links`, 'readlink');
      const target = await readlink(hostPath);
      if (target.startsWith('/')) done.length = 0;
      pending.push(...target.split('/').reverse());
      stats = undefined;
      continue;
    }
    if (pending.some((p) => p !== '' && p !== '.') && !stats.isDirectory()) return undefined;
    done.push(part);
  }
  if (!stats) stats = await lstat(join(root, ...done)); // the path was the root itself, or ended in `..`
  return { hostPath: join(root, ...done), stats };
}

/**
 * Reads the regular file at `path` inside `root` (see resolveInRoot). Resolves undefined
 * when there is no regular file there: missing, a directory, a device, a FIFO or a socket
 * is treated as absent and never opened. Rejects with HostError EFBIG when the file holds
 * more than maxBytes (nothing beyond maxBytes + 1 is read), ELOOP for a symlink loop, and
 * ESTALE when the file changed under the resolution (another file, or no longer regular).
 */
export async function readFileInRoot(root: string, path: string, maxBytes: number): Promise<Buffer | undefined> {
  const found = await resolveInRoot(root, path);
  if (!found?.stats.isFile()) return undefined;
  const { hostPath, stats } = found;
  if (stats.size > maxBytes) throw tooBig(path, maxBytes);
  const fh = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    if (codeOf(err) === 'ELOOP') throw new HostError('ESTALE', `${path} in ${root} became a symlink while being read`, 'open');
    throw err;
  });
  try {
    const now = await fh.stat();
    if (!now.isFile() || now.ino !== stats.ino || now.dev !== stats.dev) throw new HostError('ESTALE', `${path} in ${root} changed while being read`, 'open');
    // Sized by the file, grown if it grew, and never past one byte more than allowed (which
    // tells a file over the cap from one that fits).
    let buf = Buffer.alloc(Math.min(now.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) buf = Buffer.concat([buf, Buffer.alloc(Math.min(buf.length, maxBytes + 1 - buf.length))]);
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw tooBig(path, maxBytes);
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

function tooBig(path: string, maxBytes: number): HostError {
  return new HostError('EFBIG', `${path} is larger than ${maxBytes} bytes`, 'read');
}
