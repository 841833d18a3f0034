import { createServer, type Socket } from 'node:net';
import { listenPrivately, prepareSocketPath, removeSocketFile } from '../../host/unix-socket.js';
import { answerCall, type CniCallDeps } from './call.js';
import { CniError } from '../types.js';
import { CURRENT_VERSION } from '../version.js';
import { decodeRequest, encodeResponse, FrameError, FrameReader, type CniResponse } from './frame.js';

export interface CniServerOptions {
  socket: string;
  deps: CniCallDeps;
  /** Dropped connections (malformed frames); default: nowhere. */
  log?: (line: string) => void;
}

export interface CniServer {
  readonly socket: string;
  /** Calls answered so far (each ran a plugin, or was refused with a CNI error), counted as
   *  the answer is written, whether or not the caller is still there to read it. */
  served(): number;
  /** Stops accepting, lets calls in flight answer, drops idle connections, removes the socket. */
  close(): Promise<void>;
}

/**
 * Serves the CNI calls that dist/cni/skiff-<name> (native/cni-shim.c) forwards: one frame in,
 * the plugin run in-process through runSkel, one frame out (frame.ts). The parent directory
 * is created 0700, the socket is 0600 (a caller names the namespace the plugin acts in: root
 * only). Rejects when another server listens on `socket` or the path is not a socket; a stale
 * socket file nobody listens on is replaced. A malformed frame closes that connection only.
 * A successful ADD whose caller is gone before its answer is taken back with a DEL (call.ts).
 */
export async function serveCni(opts: CniServerOptions): Promise<CniServer> {
  const log = opts.log ?? (() => {});
  await prepareSocketPath(opts.socket, { dirMode: 0o700, existing: 'refuse-live', who: 'skiff cni-server' });
  const connections = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  let served = 0;

  const server = createServer({ allowHalfOpen: true }, (conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => {}); // a caller that went away; its call still completes
    const reader = new FrameReader();
    const drop = (why: string) => {
      log(`skiff cni-server: dropped a connection: ${why}`);
      conn.destroy();
    };
    conn.on('data', (chunk: Buffer) => {
      let request;
      try {
        const body = reader.push(chunk);
        if (!body) return;
        request = decodeRequest(body);
      } catch (err) {
        return drop(err instanceof FrameError ? err.message : String(err));
      }
      const env = request.env;
      const deliver = (res: CniResponse) => {
        served++;
        return answerOn(conn, res);
      };
      const call = answerCall(opts.deps, request, deliver).then((outcome) => {
        if (outcome.undo) {
          log(`skiff cni-server: the caller of ADD ${env.CNI_CONTAINERID ?? ''} ${env.CNI_IFNAME ?? ''} went away before the answer; ran DEL to take it back: exit ${outcome.undo.exitCode} ${outcome.undo.stdout}`);
        }
      }).catch((err: unknown) => drop(`cannot answer: ${String(err)}`));
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    });
    conn.on('end', () => {
      if (reader.partial) drop('the caller hung up mid-frame');
    });
  });

  await listenPrivately(server, opts.socket);

  return {
    socket: opts.socket,
    served: () => served,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      for (const c of connections) c.destroy();
      await closed;
      await removeSocketFile(opts.socket);
    },
  };
}

/**
 * Writes the response frame and ends the connection; resolves whether the caller got `res`
 * whole. A caller that is gone makes the write fail (EPIPE): that, not an EOF from it, says
 * the answer did not get there (a client may half-close after its request).
 */
function answerOn(conn: Socket, res: CniResponse): Promise<boolean> {
  const { frame, whole } = responseFrame(res);
  if (conn.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    conn.end(frame);
    conn.once('finish', () => resolve(whole));
    conn.once('close', () => resolve(false)); // comes after 'finish' when the frame got there
  });
}

/**
 * The frame for `res`; a CNI error in its place when `res` does not fit in one (the caller
 * learns why instead of waiting on a connection the daemon cannot answer).
 */
function responseFrame(res: CniResponse): { frame: Buffer; whole: boolean } {
  try {
    return { frame: encodeResponse(res), whole: true };
  } catch (err) {
    const e = new CniError(999, 'skiff cni-server: the plugin\'s answer is too large to send', (err as Error).message);
    return { frame: encodeResponse({ exitCode: 1, stdout: JSON.stringify(e.toJSON(CURRENT_VERSION)), stderr: '' }), whole: false };
  }
}
