// The file side of a unix socket a server binds: its directory, a stale socket a previous run
// left, its mode, and its removal. The listening itself is node:net's.
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes path ready to bind: creates its directory (dirMode less the umask) if missing and
 * removes a socket file found there. Rejects with Error "<path> exists and is not a socket;
 * refusing to replace it" for any other file, or with the fs error.
 */
export async function prepareSocketPath(path: string, dirMode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: dirMode });
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  await rm(path);
}

/** chmod of the bound socket. Rejects with the fs error. */
export async function setSocketMode(path: string, mode: number): Promise<void> {
  await chmod(path, mode);
}

/** Removes the socket file; succeeds when it is already gone. */
export async function removeSocketFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
