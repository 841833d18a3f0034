// The apiserver: HTTPS on node:https, client certificates requested (not required: requests
// without credentials are system:anonymous, 403 unless RBAC allows; 401 with
// --anonymous-auth=false or bad credentials), then per request the filter chain
// (http/filters/chain.ts)
//   authentication ─▶ impersonation ─▶ request info ─▶ max in flight ─▶ authorization ─▶ route
// with every failure written as a Kubernetes Status. What authenticates, authorizes, admits and
// allocates is built by the composition root (src/cli/apiserver-deps.ts) and passed in: this
// file has no defaults for them. Storage is the generic registry over the Store seam; the
// namespaces' lifecycle and the default ServiceAccounts run alongside.
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { upgradeResponse } from '../http/upgrade-response.js';
import type { Store } from '../store/types.js';
import type { Authorize } from './auth/types.js';
import type { RequestAuthenticator } from './http/filters/authentication.js';
import { handlerChain } from './http/filters/chain.js';
import { inFlightLimiter, type InFlightLimits } from './http/max-in-flight.js';
import { writeError } from './http/respond.js';
import { route, type ResourceEndpoint } from './http/route.js';
import { ensureDefaultNamespaces, startNamespaceLifecycle } from './storage/namespaces.js';
import { ensureSystemPriorityClasses } from './storage/priority-classes.js';
import type { Registry } from './storage/registry.js';
import { startDefaultServiceAccounts } from './wiring/default-serviceaccounts.js';

export { VERSION_INFO } from './http/non-resource.js';

/**
 * Something the composition root runs alongside the server (the RBAC mirror, the Service
 * allocator's repair...). Steps run in the order the parts are given.
 */
export interface ServerPart {
  /** Before the server listens (policy written, caches warm). Rejects to fail the start. */
  beforeListen?(): Promise<void>;
  /** Once the address is known, before the first request is answered. Rejects to fail the start. */
  afterListen?(address: { host: string; port: number }): Promise<void>;
  /** On close, and when the start fails, whether or not the steps above ran. */
  stop?(): Promise<void>;
}

export interface ApiServerOptions {
  store: Store;
  /** The generic registry over `store` with its hooks (admission reads through it, so the composition root builds both). close() ends its watches. */
  registry: Registry;
  tls: { cert: string; key: string; ca: string };
  /** Who is asking. Required: a request is never served as someone it did not prove to be. */
  authenticator: RequestAuthenticator;
  /** May they. Required: there is no allow-all default. */
  authorize: Authorize;
  /** Resource endpoints served before the generic handler (tokens, reviews). */
  endpoints?: readonly ResourceEndpoint[];
  /** Non-resource endpoints served before the built-in paths (/metrics). */
  nonResourceEndpoints?: readonly ResourceEndpoint[];
  parts?: readonly ServerPart[];
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (msg: string) => void;
  /** Interval of BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Requests in flight past which others are a 429 (default upstream's 400 read-only, 200 mutating; 0: no limit). */
  maxInFlight?: InFlightLimits;
}

export interface ApiServer {
  /** https://host:port */
  url: string;
  port: number;
  registry: Registry;
  /** Stops accepting, ends open watches, stops the namespace lifecycle and every part. Does not close the store. Each step waits at most 5 s (logged when it gives up). */
  close(): Promise<void>;
}

/**
 * Go's default suites (what kube-apiserver offers without --tls-cipher-suites): TLS 1.3's, and
 * for TLS 1.2 only ECDHE key exchange with AES-GCM, ChaCha20-Poly1305 or AES-CBC.
 */
const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
].join(':');

/**
 * Plain HTTP sent to the TLS port gets Go's answer instead of a dropped connection. OpenSSL
 * recognizes the request line (ERR_SSL_HTTP_REQUEST); the raw socket under the TLS one is
 * Node's `_parent` (not public API, hence the checks).
 */
function answerPlainHttp(err: Error & { code?: string }, tls: TLSSocket): void {
  const raw = (tls as TLSSocket & { _parent?: Socket })._parent;
  if (err.code !== 'ERR_SSL_HTTP_REQUEST' || !raw || raw.destroyed || !raw.writable) return;
  raw.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
}

/** A JavaScript caller can still leave them out; the server then refuses to start rather than guess. */
function requireAuth(opts: ApiServerOptions): void {
  if (typeof opts.authenticator?.authenticate !== 'function' || typeof opts.authenticator.anonymous !== 'boolean') {
    throw new TypeError('startApiServer: an authenticator (authenticate, anonymous) is required');
  }
  if (typeof opts.authorize !== 'function') throw new TypeError('startApiServer: an authorizer is required');
}

/**
 * Creates the default namespaces, runs the parts' beforeListen, listens, runs their
 * afterListen and makes the `default` ServiceAccounts before answering requests (those that
 * arrive earlier wait). Rejects with TypeError without an authenticator or authorizer, and when
 * the store or a part fails at start or the address cannot be bound (EADDRINUSE...).
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`skiff apiserver: ${m}\n`));
  const { registry } = opts;
  const parts = opts.parts ?? [];
  // The watch caches hold store watches: end them, or an etcd client never lets the process exit.
  const stops: (() => Promise<void>)[] = [() => registry.close()];
  for (const part of parts) if (part.stop) stops.push(() => part.stop!());
  let address = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  const serve = handlerChain({ authenticator: opts.authenticator, authorize: opts.authorize, limiter: inFlightLimiter(opts.maxInFlight) }, route({
    registry, hooks: registry.deps.hooks, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    endpoints: opts.endpoints ?? [], nonResourceEndpoints: opts.nonResourceEndpoints ?? [], address: () => address,
  }));
  const server: Server = createServer({
    cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false,
    ciphers: TLS_CIPHERS,
    // Upstream's ReadHeaderTimeout (32 s); checked every second, not Node's default 30 s.
    headersTimeout: 32_000, connectionsCheckingInterval: 1_000,
  }, (req, res) => {
    ready.then(() => serve({ req, res, url: new URL(req.url ?? '/', 'https://apiserver') })).catch((err) => writeError(res, err, log));
  });
  server.on('tlsClientError', answerPlainHttp);
  // Upgrades (exec, attach, port-forward) pass the same chain; a refusal is written on the socket.
  // The HTTP server no longer tracks an upgraded socket: close() cuts these itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const { res, upgrade } = upgradeResponse(req, socket, head);
    ready.then(() => serve({ req, res, upgrade, url: new URL(req.url ?? '/', 'https://apiserver') })).catch((err) => writeError(res, err, log));
  });

  const host = opts.host ?? '127.0.0.1';
  try {
    requireAuth(opts);
    await ensureDefaultNamespaces(registry);
    await ensureSystemPriorityClasses(registry);
    for (const part of parts) await part.beforeListen?.();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    // Nothing listens yet: only the watch caches and the parts' mirrors need ending.
    for (const stop of stops.splice(0)) await stop().catch(() => {});
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  // Each step bounded: a loop stuck on its store, or a connection the HTTP server keeps
  // waiting for, must not keep the process from exiting; the log says which step it was.
  const bounded = async (step: Promise<void>, what: string) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(resolve, 5000, 'late'); });
    if ((await Promise.race([step.then(() => 'done' as const), late])) === 'late') log(`shutdown: ${what} did not finish within 5 s; going on`);
    clearTimeout(timer);
  };
  const close = async () => {
    for (const [i, stop] of stops.splice(0).entries()) await bounded(stop(), `stop step ${i}`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of upgraded) s.destroy();
    await bounded(closed, 'closing the HTTP server');
  };
  try {
    for (const part of parts) await part.afterListen?.({ host, port });
    const accounts = startDefaultServiceAccounts(opts.store, registry, log);
    stops.push(() => accounts.stop());
    await accounts.ready;
    const lifecycle = startNamespaceLifecycle(registry, log);
    stops.push(() => lifecycle.stop());
  } catch (err) {
    await close();
    throw err;
  }
  markReady();
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    registry,
    close,
  };
}
