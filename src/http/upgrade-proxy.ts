// Proxying an HTTP Upgrade (SPDY/3.1 or WebSocket) byte for byte, as upstream's
// UpgradeAwareHandler does for the apiserver → kubelet and kubelet → runtime hops: the
// client's request goes on to the target with its upgrade headers (whatever protocol the
// client asked for), then both connections are spliced until either ends. The protocol is
// never parsed here, so exec, attach and port-forward over any version pass unchanged.
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/** Headers that carry the caller's own credentials: never sent on to the target. */
const DROPPED = /^(host|authorization|proxy-authorization|impersonate-.*)$/i;

/** Connects to target (TLS for https:, with tlsOptions). Rejects with the socket's error (ECONNREFUSED, a certificate the CA did not sign...). */
export function dialTarget(target: URL, tlsOptions: ConnectionOptions = {}): Promise<Socket> {
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const secure = target.protocol === 'https:';
    const socket: Socket = secure
      ? tlsConnect({ ...tlsOptions, host, port, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) }, () => done())
      : netConnect({ host, port }, () => done());
    const fail = (err: Error) => reject(err);
    const done = () => {
      socket.off('error', fail);
      resolve(socket);
    };
    socket.once('error', fail);
  });
}

/** The request line and headers for target, from the client's request (method and upgrade headers kept, path and query the target's). */
export function upgradeRequestHead(req: IncomingMessage, target: URL, extra: readonly [string, string][] = []): string {
  const lines = [`${req.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (!DROPPED.test(raw[i]!)) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  for (const [k, v] of extra) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends the request head (and any bytes the client sent after its head) to the connected
 * target, then splices the two until either side ends or fails; both are then destroyed.
 * Resolves when both are closed.
 */
export function spliceUpgrade(client: Duplex, head: Buffer, target: Socket, requestHead: string): Promise<void> {
  target.write(requestHead);
  if (head.length) target.write(head);
  const closed = (s: Duplex) => new Promise<void>((resolve) => {
    if (s.destroyed) resolve();
    else s.once('close', () => resolve());
  });
  const both = Promise.all([closed(client), closed(target)]).then(() => undefined);
  const end = () => {
    client.destroy();
    target.destroy();
  };
  client.on('error', end);
  target.on('error', end);
  // A half-close is passed on (port-forward relies on it); the full close follows from the peer.
  client.pipe(target);
  target.pipe(client);
  client.once('close', end);
  target.once('close', end);
  return both;
}
