// Port-forward over WebSocket as kubectl 1.31+ asks for it: SPDY tunnelled in WebSocket binary
// messages (subprotocol `SPDY/3.1+portforward.k8s.io`), which the apiserver terminates, as
// upstream's TunnelingHandler does. Kubelets speak SPDY, so the apiserver upgrades to SPDY/3.1
// towards the kubelet, and once the kubelet agrees, completes the WebSocket handshake with the
// protocol the kubelet chose and carries bytes: each binary message from the client is written
// to the kubelet, each chunk from the kubelet goes back as one binary message. A kubelet that
// refuses gets its answer passed to the client as it is.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Upgrade } from '../../http/upgrade-response.js';

export const TUNNEL_PREFIX = 'SPDY/3.1+';
/** Upstream reads at most this much of the kubelet's answer before the body. */
const MAX_HEAD_BYTES = 1 << 20;
const DROPPED = /^(host|authorization|proxy-authorization|impersonate-.*|upgrade|connection|sec-websocket-.*|x-stream-protocol-version)$/i;

/** The SPDY protocols a WebSocket request asks to tunnel (`SPDY/3.1+<p>.k8s.io` → `<p>.k8s.io`); empty when it asks for none. */
export function tunnelledProtocols(req: IncomingMessage): string[] {
  if (!/^websocket$/i.test(req.headers.upgrade ?? '')) return [];
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    .filter((p) => p.startsWith(TUNNEL_PREFIX) && p.endsWith('.k8s.io')).map((p) => p.slice(TUNNEL_PREFIX.length));
}

/** The SPDY upgrade request the kubelet gets for the client's WebSocket one. */
export function spdyRequestHead(req: IncomingMessage, target: URL, protocols: readonly string[]): string {
  const lines = [`POST ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`, 'Connection: Upgrade', 'Upgrade: SPDY/3.1'];
  for (const p of protocols) lines.push(`X-Stream-Protocol-Version: ${p}`);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (!DROPPED.test(raw[i]!)) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

interface Head { status: number; headers: Map<string, string>; raw: Buffer; rest: Buffer }

/** Reads the kubelet's status line and headers. Rejects when it closes first or sends more than 1 MiB of them. */
function readHead(socket: Socket): Promise<Head> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err?: Error, head?: Head) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (err) reject(err);
      else resolve(head!);
    };
    const onClose = () => done(new Error('the kubelet closed the connection before answering the upgrade'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) done(new Error('header size limit exceeded'));
        return;
      }
      socket.pause();
      const raw = buf.subarray(0, end + 4);
      const [statusLine, ...lines] = raw.toString('latin1').split('\r\n');
      const headers = new Map<string, string>();
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
      }
      done(undefined, { status: Number(/^HTTP\/1\.\d (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, raw, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

/**
 * Tunnels the client's WebSocket to the kubelet's SPDY connection (target, already dialled).
 * Resolves when both ends are closed. Rejects, with the client's connection not yet taken
 * (so the caller can still answer it), when the kubelet's answer cannot be read.
 */
export async function tunnelPortForward(req: IncomingMessage, upgrade: Upgrade, target: Socket, url: URL, protocols: readonly string[]): Promise<void> {
  target.write(spdyRequestHead(req, url, protocols));
  let answer: Head;
  try {
    answer = await readHead(target);
  } catch (err) {
    target.destroy();
    throw err;
  }
  const client = upgrade.takeSocket();
  const closed = (s: Duplex) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
  const upgraded = answer.status === 101 && /upgrade/i.test(answer.headers.get('connection') ?? '') && /spdy\/3\.1/i.test(answer.headers.get('upgrade') ?? '');
  if (!upgraded) {
    // Not an upgrade: the kubelet's refusal goes to the client as it came.
    client.write(answer.raw);
    if (answer.rest.length) client.write(answer.rest);
    target.pipe(client);
    target.resume();
    client.on('error', () => target.destroy());
    await closed(target);
    client.end();
    return;
  }
  const chosen = answer.headers.get('x-stream-protocol-version');
  // `SPDY/3.1+…` is no RFC 6455 token ('/' is a separator), so `ws` refuses it in the request
  // (Go's gorilla takes it): the offer is taken out before the handshake and the answer added
  // to the 101's headers.
  delete req.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({ noServer: true });
  if (chosen) wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PREFIX}${chosen}`));
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, client, upgrade.head, resolve));
  const stop = () => {
    ws.terminate();
    target.destroy();
  };
  if (answer.rest.length) ws.send(answer.rest);
  target.on('data', (chunk: Buffer) => ws.send(chunk));
  target.resume();
  ws.on('message', (data: RawData) => target.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)));
  target.once('close', () => ws.close());
  target.on('error', stop);
  ws.once('close', () => target.end());
  ws.on('error', stop);
  await Promise.all([closed(target), new Promise<void>((resolve) => ws.once('close', () => resolve()))]);
  wss.close();
}
