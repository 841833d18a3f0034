// The file side of a unix socket a server role binds: its directory, a socket file an earlier
// run left, who may connect, and removal. The listening itself is node:net's (or grpc-js's).
import { chmod, lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';

export interface PrepareSocketOptions {
  /** Mode of the socket's directory when it has to be created (less the umask). */
  dirMode: number;
  /**
   * What to do with a socket file already there. 'replace': remove it unasked (the gRPC
   * servers: a newer run of the same role takes over, as containerd does). 'refuse-live':
   * connect first and refuse when a server answers (the cni-server: two would split the
   * pods' IPAM); only a socket nobody listens on is removed.
   */
  existing: 'replace' | 'refuse-live';
  /** Starts the error messages ('skiff cni-server'). */
  who?: string;
}

/**
 * Makes path ready to bind. Rejects with Error "<path> exists and is not a socket; refusing to
 * replace it" for any other file there, "another server already listens on <path>" under
 * 'refuse-live', or with the fs error.
 */
export async function prepareSocketPath(path: string, opts: PrepareSocketOptions): Promise<void> {
  const prefix = opts.who ? `${opts.who}: ` : '';
  await mkdir(dirname(path), { recursive: true, mode: opts.dirMode });
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${prefix}${path} exists and is not a socket; refusing to replace it`);
  if (opts.existing === 'refuse-live' && await isListening(path)) throw new Error(`${prefix}another server already listens on ${path}`);
  await rm(path, { force: true });
}

/** Whether a server accepts on the socket now. Rejects with connect's error other than
 *  ECONNREFUSED (which is how a socket file without a listener answers). */
function isListening(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(false) : reject(err)));
  });
}

/** chmod of a bound socket, for sockets a group may use (the gRPC servers). Rejects with the fs error. */
export async function setSocketMode(path: string, mode: number): Promise<void> {
  await chmod(path, mode);
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

/** Removes the socket file; succeeds when it is already gone. */
export async function removeSocketFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
