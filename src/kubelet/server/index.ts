// The kubelet's HTTPS server (upstream pkg/kubelet/server): every request authenticated
// (client certificate or bearer token) and authorized (SubjectAccessReview on
// nodes/<subresource>), then routed:
//   /healthz · /pods · /containerLogs/{ns}/{pod}/{container}
//   /exec|/attach/{ns}/{pod}[/{uid}]/{container} · /portForward/{ns}/{pod}[/{uid}]  (upgrades)
// Upgrade requests arrive on the 'upgrade' event with the bare socket; upgradeResponse gives
// them a response for refusals, so both kinds pass through the same handler.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { upgradeResponse, type Upgrade } from '../../http/upgrade-response.js';
import type { KubeletServer, KubeletServerDeps } from '../types.js';
import { KubeletAuth, kubeletAttributes } from './auth.js';
import { serveContainerLogs } from './container-logs.js';
import { HttpError } from './http-error.js';
import { serveStream, type StreamKind } from './streaming.js';

const STREAMS = new Map<string, StreamKind>([['exec', 'exec'], ['attach', 'attach'], ['portForward', 'portForward']]);

/** Listens on deps.listen. Rejects when the address cannot be bound or the TLS material is not PEM. */
export async function startKubeletServer(deps: KubeletServerDeps): Promise<KubeletServer> {
  const auth = new KubeletAuth({ nodeName: deps.nodeName, client: deps.client, clock: deps.clock });
  const sockets = new Set<Duplex>();

  async function handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const attrs = kubeletAttributes(req.method ?? 'GET', url.pathname);
    let user;
    try {
      user = await auth.authenticate(req);
    } catch (err) {
      deps.log(`kubelet server: unable to authenticate the request: ${(err as Error).message}`);
    }
    if (!user) return text(res, 401, 'Unauthorized');
    const who = `user=${user.name}, verb=${attrs.verb}, resource=nodes, subresource=${attrs.subresource}`;
    let allowed: boolean;
    try {
      allowed = await auth.authorize(user, attrs);
    } catch (err) {
      deps.log(`kubelet server: authorization error (${who}): ${(err as Error).message}`);
      return text(res, 500, `Authorization error (${who})`);
    }
    if (!allowed) return text(res, 403, `Forbidden (${who})`);
    const [first, ...parts] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const stream = first !== undefined ? STREAMS.get(first) : undefined;
    if (stream) return serveStream(deps, stream, parts, req, url.searchParams, upgrade);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method Not Allowed');
    if (first === 'healthz' && !parts.length) return text(res, 200, 'ok');
    if (first === 'pods' && !parts.length) return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: deps.pods() });
    if (first === 'containerLogs') {
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      return serveContainerLogs(deps, parts, url.searchParams, res, abort.signal);
    }
    return text(res, 404, '404 page not found\n');
  }

  const run = (req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade) => {
    handle(req, res, upgrade).catch((err) => {
      if (!(err instanceof HttpError)) deps.log(`kubelet server: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent || !res.socket) return void res.end();
      text(res, err instanceof HttpError ? err.code : 500, (err as Error).message);
    });
  };
  const server: Server = createServer({
    cert: deps.tls.cert, key: deps.tls.key, ca: deps.clientCa, requestCert: true, rejectUnauthorized: false,
  }, (req, res) => run(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { res, upgrade } = upgradeResponse(req, socket, head);
    run(req, res, upgrade);
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const { host, port } = splitListen(deps.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Follows and exec sessions never end on their own: cut them.
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, obj: unknown): void {
  const body = JSON.stringify(obj);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** host:port, IPv6 in brackets. Throws Error on anything else. */
function splitListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m || Number(m[3]) > 65535) throw new Error(`kubelet server: bad listen address ${JSON.stringify(listen)}: expected host:port`);
  return { host: (m[1] ?? m[2]) || '0.0.0.0', port: Number(m[3]) };
}
