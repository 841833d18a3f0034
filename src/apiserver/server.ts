// The apiserver: HTTPS on node:https, client certificates requested (not required: anonymous
// requests reach authentication and get 401/403 there), then per request
//   authenticate ─▶ request info ─▶ authorize ─▶ health/version/discovery/openapi | resources
// with every failure written as a Kubernetes Status. Storage is the generic registry over the
// Store seam; namespaces' lifecycle runs alongside.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/types.js';
import { aggregatedDiscovery, apiGroupFor, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { standInHooks, type ServerHooks, type UserInfo } from './hooks.js';
import { negotiate } from './http/negotiate.js';
import { requestInfo, type RequestInfo } from './http/request-info.js';
import { handleResource } from './http/resources.js';
import { writeError, writeObject } from './http/respond.js';
import { apiError } from './status.js';
import { ensureDefaultNamespaces, startNamespaceLifecycle } from './storage/namespaces.js';
import { Registry } from './storage/registry.js';

export interface ApiServerOptions {
  store: Store;
  tls: { cert: string; key: string; ca: string };
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The parts other modules provide; missing ones are the stand-ins of hooks.ts. */
  hooks?: Partial<ServerHooks>;
  now?: () => Date;
  log?: (msg: string) => void;
  /** Interval of BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
}

export interface ApiServer {
  /** https://host:port */
  url: string;
  port: number;
  registry: Registry;
  /** Stops accepting, ends open watches, stops the namespace lifecycle. Does not close the store. */
  close(): Promise<void>;
}

export const VERSION_INFO = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', gitCommit: '', gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/**
 * Creates the default namespaces, then listens. Rejects when the store fails at start or the
 * address cannot be bound (EADDRINUSE...).
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const hooks: ServerHooks = { ...standInHooks(), ...opts.hooks };
  const log = opts.log ?? ((m: string) => process.stderr.write(`skiff apiserver: ${m}\n`));
  const registry = new Registry({ store: opts.store, hooks, now: opts.now ?? (() => new Date()) });
  await ensureDefaultNamespaces(registry);
  const lifecycle = startNamespaceLifecycle(registry, log);
  const deps = { registry, hooks, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000 };
  let address = '';

  const server: Server = createServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      serve(req, res).catch((err) => writeError(res, err, log));
    });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const base = `/${path.split('/')[1] ?? ''}`;
    const user = hooks.authenticate(req);
    if (PUBLIC_PATHS.has(base)) return servePublic(base, res);
    if (!user) throw apiError(401, 'Unauthorized', 'Unauthorized');
    const info = requestInfo(req.method ?? 'GET', url);
    await authorize(user, info);
    if (info.resourceRequest) return handleResource(deps, info, url, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    return serveNonResource(path, req, res);
  }

  async function authorize(user: UserInfo, info: RequestInfo): Promise<void> {
    const verb = info.resourceRequest ? info.verb : (info.verb === 'head' ? 'get' : info.verb);
    const decision = await hooks.authorize(user, {
      user, verb, apiGroup: info.apiGroup, apiVersion: info.apiVersion, resource: info.resource, subresource: info.subresource,
      namespace: info.namespace, name: info.name, resourceRequest: info.resourceRequest, path: info.path,
    });
    if (decision.allowed) return;
    const what = info.resourceRequest
      ? `User "${user.username}" cannot ${verb} resource "${info.resource}${info.subresource ? `/${info.subresource}` : ''}" in API group "${info.apiGroup}"${info.namespace ? ` in the namespace "${info.namespace}"` : ' at the cluster scope'}`
      : `User "${user.username}" cannot ${verb} path "${info.path}"`;
    const subject = info.resourceRequest ? `${info.resource}${info.apiGroup ? `.${info.apiGroup}` : ''}${info.name ? ` "${info.name}"` : ''} is forbidden` : 'forbidden';
    throw apiError(403, 'Forbidden', `${subject}: ${what}${decision.reason ? `: ${decision.reason}` : ''}`, {
      ...(info.name ? { name: info.name } : {}), group: info.apiGroup, kind: info.resource,
    });
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
    if (path === '/openapi/v2') return found(res, undefined, hooks.openapiV2());
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  address = `${host}:${port}`;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    registry,
    async close() {
      await lifecycle.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
