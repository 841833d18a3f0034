// An Upgrade request reaches a Node server's 'upgrade' event with the bare socket, outside
// the request/response machinery. Refusals (401, 403, 404, a Status) are still plain HTTP
// answers: this binds a ServerResponse to the socket so the same code writes them, and
// closes the socket once the answer is out. A handler that accepts the upgrade takes the
// socket back with takeSocket() before writing anything.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export interface Upgrade {
  /** The raw connection, once taken: the response is then detached and must not be used. */
  takeSocket(): Duplex;
  /** Bytes the client sent after its request head. */
  readonly head: Buffer;
}

/** A response writing to socket (closed after the answer), and the way to take the socket over. */
export function upgradeResponse(req: IncomingMessage, socket: Duplex, head: Buffer): { res: ServerResponse; upgrade: Upgrade } {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => socket.end());
  socket.on('error', () => socket.destroy());
  return {
    res,
    upgrade: {
      head,
      takeSocket() {
        res.detachSocket(socket as Socket);
        return socket;
      },
    },
  };
}
