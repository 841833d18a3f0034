// Serving a grpc-js Server on a unix socket so that upstream grpc-go clients can use it.
// grpc-go dialled by socket path sends that path as `:authority`, which Node's HTTP/2
// server (nghttp2) resets before grpc-js sees the request, and Node has no option to turn
// that check off. So skiff owns the listener and hands each connection to grpc-js through
// a connection injector, its request headers passing an AuthorityRewritingStream.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { prepareSocketPath, removeSocketFile, setSocketMode } from '../host/unix-socket.js';
import { AuthorityRewritingStream } from './rewriting-stream.js';
import { trace } from '../trace.js';

const log = trace('grpc');

export interface UnixGrpcListener {
  /** Absolute path of the socket. */
  readonly socketPath: string;
  /** Stops accepting, lets calls in flight finish for up to graceMs, then cuts them,
   *  shuts the gRPC server down and removes the socket. Never rejects; idempotent. */
  close(graceMs?: number): Promise<void>;
}

/** As containerd's CRI socket: the owner's and its group's. */
const SOCKET_MODE = 0o660;

/** Serves `server` (services added, not bound elsewhere) on socketPath, creating its
 *  directory if missing. A stale socket left by a previous run is removed; any other file
 *  there is refused. Rejects if the socket cannot be bound (nothing is left listening). */
export async function serveOnUnixSocket(server: grpc.Server, socketPath: string): Promise<UnixGrpcListener> {
  const path = resolve(socketPath);
  // As containerd: a directory it creates is the owner's and group's only (0770 less the umask).
  await prepareSocketPath(path, { dirMode: 0o770, existing: 'replace' });

  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    injector.injectConnection(new AuthorityRewritingStream(socket));
  });
  try {
    await new Promise<void>((ok, fail) => {
      listener.once('error', fail);
      listener.listen(path, () => { listener.off('error', fail); ok(); });
    });
    await setSocketMode(path, SOCKET_MODE);
  } catch (err) {
    listener.close();
    server.forceShutdown();
    throw err;
  }
  listener.on('error', (err) => log(() => `listener on ${path}: ${err.message}`));

  let closed: Promise<void> | undefined;
  return {
    socketPath: path,
    close(graceMs = 5000) {
      closed ??= (async () => {
        listener.close();
        await new Promise<void>((done) => {
          const timer = setTimeout(() => { server.forceShutdown(); done(); }, graceMs);
          server.tryShutdown(() => { clearTimeout(timer); done(); });
        });
        for (const s of sockets) s.destroy();
        await removeSocketFile(path).catch(() => {});
      })();
      return closed;
    },
  };
}
