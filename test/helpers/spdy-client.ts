// A SPDY/3.1 client that behaves like client-go's (remotecommand v4 and portforward over
// spdystream): Upgrade headers with one X-Stream-Protocol-Version line per protocol, streams
// opened one at a time waiting for each SYN_REPLY, error stream first, stdin half-closed at
// its end, no WINDOW_UPDATE unless asked (spdystream sends none).
import { request, type RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from '../../src/cri/streaming/spdy/session.js';
import type { Status } from '../../src/cri/streaming/status.js';

export const CLIENT_GO_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export class UpgradeRefused extends Error {
  constructor(readonly statusCode: number, readonly body: string, readonly headers: Record<string, string | string[] | undefined>) {
    super(`upgrade refused: ${statusCode} ${body.trim()}`);
  }
}

/** POSTs the upgrade (kubectl exec uses POST); resolves with the session and the protocol
 *  the server chose; rejects with UpgradeRefused for a non-101 answer. */
export function spdyConnect(url: string, protocols: string[], opts: { sendWindowUpdates?: boolean; createConnection?: RequestOptions['createConnection'] } = {}): Promise<{ session: SpdySession; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocols },
      ...(opts.createConnection ? { createConnection: opts.createConnection } : {}),
    });
    req.on('upgrade', (res, socket: Duplex, head: Buffer) => {
      if (head.length) socket.unshift(head);
      const protocol = String(res.headers['x-stream-protocol-version'] ?? '');
      resolve({ session: new SpdySession(socket, { role: 'client', sendWindowUpdates: opts.sendWindowUpdates ?? false }), protocol });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body, res.headers)));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The error stream, parsed when the protocol carries JSON (v4). */
  status: Status | undefined;
  rawError: string;
  protocol: string;
}

export async function spdyExec(url: string, o: { stdin?: string | Buffer; tty?: boolean; stderr?: boolean; protocols?: string[] } = {}): Promise<ExecResult> {
  const { session, protocol } = await spdyConnect(url, o.protocols ?? CLIENT_GO_EXEC_PROTOCOLS);
  const open = (streamtype: string) => session.open({ streamtype });
  const error = await open('error');
  const stdin = o.stdin !== undefined ? await open('stdin') : undefined;
  const stdout = await open('stdout');
  const stderr = o.stderr !== false && !o.tty ? await open('stderr') : undefined;
  if (o.tty) await open('resize');
  const [out, err, errText] = await Promise.all([readAll(stdout), stderr ? readAll(stderr) : '', readAll(error), stdin && writeAndEnd(stdin, o.stdin!)]);
  session.close();
  return { stdout: out, stderr: err, rawError: errText, status: errText && protocol.startsWith('v4.') ? (JSON.parse(errText) as Status) : undefined, protocol };
}

/** One forwarded connection as client-go makes it: error stream (closed at once, we never
 *  write to it), then data stream, both with port and requestID headers. */
export async function spdyPortForward(url: string, port: number, send: string): Promise<{ data: string; error: string }> {
  const { session } = await spdyConnect(url, ['portforward.k8s.io']);
  const headers = { port: String(port), requestid: '0' };
  const error = await session.open({ ...headers, streamtype: 'error' });
  error.end();
  const data = await session.open({ ...headers, streamtype: 'data' });
  const [got, errText] = await Promise.all([readAll(data), readAll(error), writeAndEnd(data, send)]);
  session.close();
  return { data: got, error: errText };
}

export function readAll(s: SpdyStream | Duplex): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.once('end', () => resolve(text));
    s.once('close', () => resolve(text));
  });
}

function writeAndEnd(s: SpdyStream, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => s.end(data, () => resolve()));
}
