// The apiserver: HTTPS on node:https, client certificates requested (not required: requests
// without credentials are system:anonymous, 403 unless RBAC allows; 401 with
// --anonymous-auth=false or bad credentials), then per request
//   authenticate ─▶ request info ─▶ authorize ─▶ health/version/discovery/openapi | resources
// with every failure written as a Kubernetes Status. Storage is the generic registry over the
// Store seam; namespaces' lifecycle runs alongside.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Store } from '../store/types.js';
import { ServiceAllocator, type ServiceAllocatorOptions } from './alloc/index.js';
import { ANONYMOUS_USER, forbidden, unauthorized } from './auth/index.js';
import { impersonate } from './auth/impersonation.js';
import { aggregatedDiscovery, apiGroupFor, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { standInHooks, type AuthzAttributes, type ServerHooks, type UserInfo } from './hooks.js';
import { negotiate } from './http/negotiate.js';
import { requestInfo, type RequestInfo } from './http/request-info.js';
import { clusterScopedInNamespace, handleResource } from './http/resources.js';
import { writeError, writeObject } from './http/respond.js';
import { apiError } from './status.js';
import { ensureDefaultNamespaces, startNamespaceLifecycle } from './storage/namespaces.js';
import { ensureSystemPriorityClasses } from './storage/priority-classes.js';
import { Registry } from './storage/registry.js';
import { Strategies } from './storage/strategies/index.js';
import { requiredFieldValues } from './storage/selectors.js';
import { inFlightLimiter, type InFlightLimits } from './http/max-in-flight.js';
import { admissionWiring } from './wiring/admission.js';
import { authWiring, type AuthOptions } from './wiring/auth.js';
import { startClusterRoleAggregation } from './wiring/clusterrole-aggregation.js';
import { startDefaultServiceAccounts } from './wiring/default-serviceaccounts.js';
import { serveAuthEndpoint } from './wiring/endpoints.js';
import { serveReview } from './wiring/token-review.js';
import { ensureBootstrapRbac, ensureKubernetesService, repairServiceAllocations } from './wiring/startup.js';
import { OPENAPI_V2_PROTOBUF, openapiV2Protobuf } from './protobuf/openapi-v2.js';

export type { AuthOptions } from './wiring/auth.js';

export interface ApiServerOptions {
  store: Store;
  tls: { cert: string; key: string; ca: string };
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The parts other modules provide; missing ones are the stand-ins of hooks.ts. */
  hooks?: Partial<ServerHooks>;
  /**
   * Authentication and RBAC (default: client certificates chained to tls.ca, anonymous
   * requests allowed what RBAC grants system:unauthenticated, default policy created at
   * start). false keeps the stand-ins of hooks.ts.
   */
  auth?: AuthOptions | false;
  /**
   * ClusterIP/NodePort allocation (default 10.96.0.0/12 and 30000-32767), repaired at start,
   * and the `kubernetes` Service. false: no allocation (stand-in).
   */
  services?: ServiceAllocatorOptions | false;
  now?: () => Date;
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
  /** Stops accepting, ends open watches, stops the namespace lifecycle, the policy mirror and the mirrors ServiceAccount tokens are checked against. Does not close the store. Each step waits at most 5 s (logged when it gives up). */
  close(): Promise<void>;
}

export const VERSION_INFO = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', gitCommit: '', gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

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

/**
 * Creates the default namespaces and RBAC policy, repairs the Service allocations, listens,
 * then makes the `kubernetes` Service and the `default` ServiceAccounts before answering
 * requests (those that arrive earlier wait). Rejects when the store fails at start, the auth
 * files are unreadable, or the address cannot be bound (EADDRINUSE...).
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`skiff apiserver: ${m}\n`));
  const now = opts.now ?? (() => new Date());
  const authOpts = opts.auth === false ? undefined : { clientCA: opts.tls.ca, ...opts.auth };
  const anonymous = authOpts?.anonymous ?? true;
  const auth = authOpts ? authWiring(authOpts, opts.store, log, now) : undefined;
  const allocator = opts.services === false ? undefined : new ServiceAllocator(opts.store, opts.services);
  // The final authorizer (opts.hooks may replace it), read when a plugin asks.
  const admission = admissionWiring({ rbac: auth?.rbac, authorize: (user, attrs) => hooks.authorize(user, attrs), registry: () => registry });
  const hooks: ServerHooks = { ...standInHooks(), ...auth?.hooks, admission, ...opts.hooks };
  const strategies = new Strategies({ serviceAllocator: allocator, log });
  const registry: Registry = new Registry({ store: opts.store, hooks, now, strategies });
  // The watch caches hold store watches: end them, or an etcd client never lets the process exit.
  const stops: (() => Promise<void>)[] = [() => registry.close()];
  if (auth) stops.push(() => auth.rbac.stop());
  if (auth?.live) stops.push(() => auth.live!.stop());
  if (auth) stops.push(() => auth.nodeGraph.stop());
  let address = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  const deps = { registry, hooks, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000 };
  const endpointDeps = {
    registry, now, authorize: hooks.authorize, rbac: auth?.rbac,
    serviceAccountKey: authOpts?.serviceAccountKey,
    audiences: authOpts?.apiAudiences ?? (authOpts?.serviceAccountKey ? [authOpts.serviceAccountKey.issuer] : []),
  };
  const reviewDeps = {
    authorize: hooks.authorize,
    tokens: auth?.tokens,
  };

  const inFlight = inFlightLimiter(opts.maxInFlight);
  const server: Server = createServer({
    cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false,
    ciphers: TLS_CIPHERS,
    // Upstream's ReadHeaderTimeout (32 s); checked every second, not Node's default 30 s.
    headersTimeout: 32_000, connectionsCheckingInterval: 1_000,
  }, (req, res) => {
    serve(req, res).catch((err) => writeError(res, err, log));
  });
  server.on('tlsClientError', answerPlainHttp);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await ready;
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const base = `/${path.split('/')[1] ?? ''}`;
    const authenticated = await hooks.authenticate(req);
    if (!authenticated && !anonymous) throw unauthorized();
    let user = authenticated ?? ANONYMOUS_USER;
    // Impersonate-* headers: from here on the request is the impersonated user's.
    const acting = await impersonate(req.headersDistinct, user, hooks.authorize);
    // Anonymous requests are system:anonymous from here on: refused by RBAC (403), as upstream.
    if (acting && 'denied' in acting) throw forbidden(acting.denied, acting.reason);
    if (acting) user = acting.user;
    const info = requestInfo(req.method ?? 'GET', url);
    // Where upstream's chain has it: after impersonation, before authorization.
    inFlight.admit(user, info, res);
    const attrs = attributes(user, info, url);
    const decision = await hooks.authorize(user, attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason);
    if (info.resourceRequest) {
      if (clusterScopedInNamespace(info)) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
      const serveResource = async () => {
        if (await serveAuthEndpoint(endpointDeps, user, info, req, res)) return;
        if (await serveReview(reviewDeps, info, req, res)) return;
        return handleResource(deps, info, url, req, res);
      };
      // Every write this request causes is admitted as `user`'s (admission/chain.ts).
      return hooks.admission.actingAs(user, serveResource);
    }
    if (PUBLIC_PATHS.has(base)) return servePublic(base, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    return serveNonResource(path, req, res);
  }

  function attributes(user: UserInfo, info: RequestInfo, url: URL): AuthzAttributes {
    const verb = info.resourceRequest ? info.verb : (info.verb === 'head' ? 'get' : info.verb);
    const fieldSelector = url.searchParams.get('fieldSelector') ?? undefined;
    // As upstream's RequestInfoFactory: a list or watch of one object by metadata.name is about
    // that name (what lets RBAC resourceNames, and a kubelet's watch of one Secret, apply).
    const listed = info.resourceRequest && !info.name && (verb === 'list' || verb === 'watch') ? selectedName(fieldSelector) : undefined;
    return {
      user, verb, apiGroup: info.apiGroup, resource: info.resource, subresource: info.subresource,
      namespace: info.namespace, name: listed ?? info.name, resourceRequest: info.resourceRequest, path: info.path,
      ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    };
  }

  /** The value of a `metadata.name=` (or `==`) requirement, if it is a valid path segment. */
  function selectedName(selector: string | undefined): string | undefined {
    // The first exact requirement, as upstream's RequiresExactMatch, read by the list's own parser.
    const [name] = requiredFieldValues(selector, 'metadata.name');
    return name && !['.', '..'].includes(name) && !/[/%]/.test(name) ? name : undefined;
  }

  function servePublic(base: string, res: ServerResponse): void {
    if (base === '/version') return writeObject(res, 200, VERSION_INFO);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('ok');
  }

  function serveNonResource(path: string, req: IncomingMessage, res: ServerResponse): void {
    const parts = path.split('/').filter(Boolean);
    if (path === '/api' || path === '/apis') {
      const rep = negotiate(req.headers.accept, ['APIGroupDiscoveryList']);
      if (rep.as === 'APIGroupDiscoveryList') {
        const v = rep.contentType.includes('v=v2beta1') ? 'v2beta1' : 'v2';
        return writeObject(res, 200, aggregatedDiscovery(path === '/api' ? 'api' : 'apis', v), rep);
      }
      return writeObject(res, 200, path === '/api' ? apiVersions(address) : apiGroupList(), rep);
    }
    if (parts[0] === 'api' && parts.length === 2) return found(res, req, apiResourceList('', parts[1]!));
    if (parts[0] === 'apis' && parts.length === 2) return found(res, req, apiGroupFor(parts[1]!));
    if (parts[0] === 'apis' && parts.length === 3) return found(res, req, apiResourceList(parts[1]!, parts[2]!));
    // OpenAPI is JSON whatever Accept says (protobuf is not offered; kubectl takes JSON).
    if (path === '/openapi/v2') {
      // kubectl asks for the gnostic protobuf form; JSON for everyone else.
      if ((req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) {
        const bytes = openapiV2Protobuf(hooks.openapiV2() as Record<string, any>);
        // kubectl asks with '@v1.0' but parses the answer's type as a MIME type, where '@' is
        // not allowed: upstream (kube-openapi) answers with '.v1.0'.
        res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': bytes.length });
        res.end(bytes);
        return;
      }
      return found(res, undefined, hooks.openapiV2());
    }
    if (path === '/openapi/v3') return found(res, undefined, hooks.openapiV3Index());
    if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length > 2) {
      // /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version>
      return found(res, undefined, hooks.openapiV3(parts.slice(3).join('/')));
    }
    throw apiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  function found(res: ServerResponse, req: IncomingMessage | undefined, doc: object | undefined): void {
    if (!doc) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
    writeObject(res, 200, doc, req ? negotiate(req.headers.accept) : undefined);
  }

  try {
    await ensureDefaultNamespaces(registry);
    await ensureSystemPriorityClasses(registry);
    if (auth) {
      await ensureBootstrapRbac(registry);
      // admin, edit and view get their rules from it (as upstream's controller manager runs it).
      const aggregation = startClusterRoleAggregation(auth.rbac, registry, log);
      stops.push(() => aggregation.stop());
      await aggregation.ready;
      await auth.rbac.ready;
      await auth.live?.ready;
      await auth.nodeGraph.ready;
    }
    // Before any Service is written: values leaked by a crash are freed, ones in use marked.
    if (allocator) for (const problem of await repairServiceAllocations(opts.store, allocator)) log(`service allocation repair: ${problem}`);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    // Nothing listens yet: only the watch caches and mirrors started above need ending.
    for (const stop of stops.splice(0)) await stop().catch(() => {});
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
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
    await bounded(closed, 'closing the HTTP server');
  };
  try {
    if (allocator) await ensureKubernetesService(registry, { clusterIP: allocator.kubernetesServiceIP, host, port });
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
