// The CRI streaming server: Exec/Attach/PortForward RPCs park their request here under a
// single-use token and return its URL; the client then connects to that URL and upgrades to
// WebSocket or SPDY/3.1, and we run the request against the backend over that connection.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { systemClock, type Clock } from '../../host/clock.js';
import { trace } from '../../trace.js';
import type { RuntimeRpcs } from '../api.js';
import { invalidArgument } from '../errors.js';
import { serveSpdyPortForward, serveWsPortForward, SPDY_PORTFORWARD_PROTOCOLS, WS_PORTFORWARD_PROTOCOLS } from './portforward.js';
import {
  runRemoteCommand, SPDY_REMOTECOMMAND_PROTOCOLS, spdyRemoteCommandIo, WS_REMOTECOMMAND_PROTOCOLS, wsRemoteCommandIo,
  type CommandIo, type RemoteCommandIo, type StreamOptions, type TerminalSize,
} from './remotecommand.js';
import { SpdySession } from './spdy/session.js';
import { RequestCache } from './tokens.js';

const log = trace('streaming');

export type ExecRequest = RuntimeRpcs['Exec']['reqOut'];
export type AttachRequest = RuntimeRpcs['Attach']['reqOut'];
export type PortForwardRequest = RuntimeRpcs['PortForward']['reqOut'];
export type { TerminalSize };

export interface StreamingIo {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  resize?: AsyncIterable<TerminalSize>;
}

/** What runs the requests: the runtime (runc exec, conmon attach, a dialer in the sandbox's
 *  network namespace), or a test double. */
export interface StreamingBackend {
  /** Runs cmd in the container with the requested stdio. Resolves with its exit code once it
   *  has exited and all of its output has been written to stdout/stderr. Rejects when the
   *  command could not be run at all (unknown container, runtime failure): the client then
   *  gets an InternalError status rather than an exit code. */
  exec(containerId: string, cmd: string[], io: StreamingIo): Promise<number>;
  /** Connects the requested stdio to the container's main process until it exits or stdin
   *  ends. Rejects when the container cannot be attached to. */
  attach(containerId: string, io: StreamingIo): Promise<void>;
  /** A connection to 127.0.0.1:port inside the sandbox's network namespace. Rejects (or the
   *  Duplex errors) when nothing listens there; the message goes to the client's error stream. */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
}

export interface StreamingServerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  backend: StreamingBackend;
  /** Where clients reach us, if not http://<address> (e.g. behind a proxy). */
  baseUrl?: string;
  /** Clock for token expiry; defaults to the system clock. */
  clock?: Clock;
  /** How long a SPDY client may take to open its streams (kubelet: 30 s). */
  streamCreationTimeoutMs?: number;
}

export interface StreamingServer {
  /** host:port actually listened on. */
  readonly address: string;
  /** Rejects with CriError invalidArgument for a request the kubelet would refuse
   *  (no container id, tty with stderr, no stream at all), resourceExhausted when 1000
   *  requests are waiting. */
  getExec(req: ExecRequest): Promise<{ url: string }>;
  /** As getExec. */
  getAttach(req: AttachRequest): Promise<{ url: string }>;
  /** Rejects with CriError invalidArgument without a sandbox id. */
  getPortForward(req: PortForwardRequest): Promise<{ url: string }>;
  /** Stops listening and cuts the connections in progress. */
  close(): Promise<void>;
}

type Cached =
  | { kind: 'exec'; req: ExecRequest }
  | { kind: 'attach'; req: AttachRequest }
  | { kind: 'portforward'; req: PortForwardRequest };

const ROUTE = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)$/;

/** Listens on opts.address. Rejects when it cannot (address in use, bad address). */
export async function startStreamingServer(opts: StreamingServerOptions): Promise<StreamingServer> {
  const { host, port } = splitAddress(opts.address);
  const cache = new RequestCache<Cached>(opts.clock ?? systemClock);
  const creationTimeout = opts.streamCreationTimeoutMs ?? 30_000;
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (_offered, req) => chosenProtocol.get(req) || false });
  const sockets = new Set<Duplex>();
  const http: Server = createServer((req, res) => {
    // Not an upgrade: the token is spent all the same, as the kubelet consumes it first.
    const m = ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m || !cache.consume(m[2]!)) return void res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('unable to upgrade: missing upgrade headers in request\n');
  });
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const m = ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const cached = m ? cache.consume(m[2]!) : undefined;
    if (!cached || cached.kind !== m![1]) return refuse(socket, 404, '404 page not found\n');
    log(() => `${cached.kind} ${JSON.stringify(cached.req)} upgrade=${req.headers.upgrade}`);
    if (isWebSocket(req)) {
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      const allowed = cached.kind === 'portforward' ? WS_PORTFORWARD_PROTOCOLS : WS_REMOTECOMMAND_PROTOCOLS;
      const protocol = (offered.length ? offered : ['']).find((p) => allowed.includes(p));
      if (protocol === undefined) return refuse(socket, 403, `requested protocol(s) are not supported: ${offered.join(', ')}; supports ${allowed.join(', ')}\n`);
      chosenProtocol.set(req, protocol);
      wss.handleUpgrade(req, socket, head, (ws) => void serveWebSocket(ws, protocol, cached));
      return;
    }
    if (!/\bupgrade\b/i.test(req.headers.connection ?? '') || !/spdy\/3\.1/i.test(req.headers.upgrade ?? '')) {
      return refuse(socket, 400, 'unable to upgrade: missing upgrade headers in request\n');
    }
    const offered = (req.headersDistinct['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
    const allowed = cached.kind === 'portforward' ? SPDY_PORTFORWARD_PROTOCOLS : SPDY_REMOTECOMMAND_PROTOCOLS;
    if (!offered.length) return refuse(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required\n');
    const protocol = offered.find((p) => allowed.includes(p));
    if (!protocol) {
      return refuse(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${allowed.join(' ')}]\n`,
        allowed.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}`));
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    if (head.length) socket.unshift(head);
    void serveSpdy(new SpdySession(socket, { role: 'server' }), protocol, cached);
  });

  const backend = opts.backend;
  const runCommand = (io: RemoteCommandIo, c: Exclude<Cached, { kind: 'portforward' }>) =>
    c.kind === 'exec'
      ? runRemoteCommand(io, c.req.tty, c.req.cmd, (cio: CommandIo) => backend.exec(c.req.containerId, c.req.cmd, cio))
      : runRemoteCommand(io, c.req.tty, [], (cio: CommandIo) => backend.attach(c.req.containerId, cio));
  const dialer = (sandboxId: string) => (p: number) => backend.portForward(sandboxId, p);

  async function serveSpdy(session: SpdySession, protocol: string, c: Cached): Promise<void> {
    if (c.kind === 'portforward') return serveSpdyPortForward(session, c.req.podSandboxId, dialer(c.req.podSandboxId), creationTimeout);
    let io: RemoteCommandIo;
    try {
      io = await spdyRemoteCommandIo(session, protocol, streamOptions(c.req), creationTimeout);
    } catch (err) {
      log(() => `${c.kind}: ${(err as Error).message}`);
      return session.close();
    }
    await runCommand(io, c);
  }

  async function serveWebSocket(ws: WebSocket, protocol: string, c: Cached): Promise<void> {
    if (c.kind === 'portforward') return serveWsPortForward(ws, protocol, c.req.port, c.req.podSandboxId, dialer(c.req.podSandboxId));
    await runCommand(wsRemoteCommandIo(ws, protocol, streamOptions(c.req)), c);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const a = http.address() as AddressInfo;
  const address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  const base = opts.baseUrl ?? `http://${address}`;
  const url = (kind: Cached['kind'], token: string) => ({ url: new URL(`${kind}/${token}`, base).toString() });

  return {
    address,
    async getExec(req) {
      validateStreams(req);
      return url('exec', cache.insert({ kind: 'exec', req }));
    },
    async getAttach(req) {
      validateStreams(req);
      return url('attach', cache.insert({ kind: 'attach', req }));
    },
    async getPortForward(req) {
      if (!req.podSandboxId) throw invalidArgument('missing required pod_sandbox_id');
      return url('portforward', cache.insert({ kind: 'portforward', req }));
    },
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const s of sockets) s.destroy();
      wss.close();
      await closed;
    },
  };
}

/** The kubelet's checks on Exec and Attach requests. */
function validateStreams(req: { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): void {
  if (!req.containerId) throw invalidArgument('missing required container_id');
  // A terminal has one output: stderr cannot be told apart from stdout.
  if (req.tty && req.stderr) throw invalidArgument('tty and stderr cannot both be true');
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
}

function streamOptions(req: StreamOptions): StreamOptions {
  return { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty };
}

function isWebSocket(req: IncomingMessage): boolean {
  return /\bupgrade\b/i.test(req.headers.connection ?? '') && (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function refuse(socket: Duplex, code: number, body: string, extra: string[] = []): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[code] ?? 'Error';
  socket.end([`HTTP/1.1 ${code} ${reason}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', ...extra, '', body].join('\r\n'));
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`streaming address ${JSON.stringify(address)} is not host:port`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}
