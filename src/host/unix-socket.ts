import { chmod, lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';

// A root-only unix socket for a server role: the file operations around listen(2) that decide
// who can connect, kept here with the other disk effects. `who` starts the error messages
// ('skiff cni-server').

/**
 * Makes the socket's directory (0700 when created) and removes a stale socket file nobody
 * listens on. Throws when another server listens there, or the path is not a socket.
 */
export async function prepareSocket(socket: string, who: string): Promise<void> {
  await mkdir(dirname(socket), { recursive: true, mode: 0o700 });
  const st = await lstat(socket).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${who}: ${socket} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve, reject) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(false) : reject(err)));
  });
  if (live) throw new Error(`${who}: another server already listens on ${socket}`);
  await rm(socket, { force: true });
}

/**
 * Binds in a fresh 0700 directory beside `socket`, makes the socket 0600, then renames it into
 * place: at no moment can anyone but root connect (a umask around bind(2) would be process-wide
 * and race with other threads creating files). Throws what listen, chmod or rename threw; the
 * server is closed again by then (a listener nobody can reach would keep the process alive).
 */
export async function listenPrivately(server: Server, socket: string): Promise<void> {
  const privateDir = await mkdtemp(join(dirname(socket), '.cni-sock-'));
  try {
    const bound = join(privateDir, 's');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bound, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      await chmod(bound, 0o600);
      await rename(bound, socket);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
}

/** Removes the socket file; absent is fine. */
export async function removeSocket(socket: string): Promise<void> {
  await rm(socket, { force: true });
}
