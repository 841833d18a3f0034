// Paths outside /api/<v>/... and /apis/<g>/<v>/...: health and version (public-paths.ts),
// discovery (discovery.ts) and the OpenAPI documents (hooks).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../../api/types.js';
import { aggregatedDiscovery, apiGroupFor, apiGroupList, apiResourceList, apiVersions } from '../discovery.js';
import type { ServerHooks } from '../hooks.js';
import { OPENAPI_V2_PROTOBUF, openapiV2Protobuf } from '../protobuf/openapi-v2.js';
import { apiError } from '../status.js';
import { negotiate } from './negotiate.js';
import { publicPathOf } from './public-paths.js';
import { writeObject } from './respond.js';

export const VERSION_INFO = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', gitCommit: '', gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface NonResourceDeps {
  hooks: Pick<ServerHooks, 'openapiV2' | 'openapiV3Index' | 'openapiV3'>;
  /** host:port the server listens on, for the legacy /api discovery document. */
  address(): string;
}

const notFound = () => apiError(404, 'NotFound', 'the server could not find the requested resource');

/** Answers a non-resource request. Throws ApiError 404 for an unknown path, 405 for a method other than GET/HEAD. */
export function serveNonResource(deps: NonResourceDeps, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const publicPath = publicPathOf(path);
  if (publicPath) return servePublic(publicPath, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const parts = path.split('/').filter(Boolean);
  if (path === '/api' || path === '/apis') {
    const rep = negotiate(req.headers.accept, ['APIGroupDiscoveryList']);
    if (rep.as === 'APIGroupDiscoveryList') {
      const v = rep.contentType.includes('v=v2beta1') ? 'v2beta1' : 'v2';
      return writeObject(res, 200, aggregatedDiscovery(path === '/api' ? 'api' : 'apis', v), rep);
    }
    return writeObject(res, 200, path === '/api' ? apiVersions(deps.address()) : apiGroupList(), rep);
  }
  const [first, second, third] = parts;
  if (first === 'api' && second !== undefined && parts.length === 2) return found(res, req, apiResourceList('', second));
  if (first === 'apis' && second !== undefined && parts.length === 2) return found(res, req, apiGroupFor(second));
  if (first === 'apis' && second !== undefined && third !== undefined && parts.length === 3) return found(res, req, apiResourceList(second, third));
  if (path === '/openapi/v2') return serveOpenapiV2(deps, req, res);
  if (path === '/openapi/v3') return found(res, undefined, deps.hooks.openapiV3Index());
  // /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version>
  if (first === 'openapi' && second === 'v3' && parts.length > 2) return found(res, undefined, deps.hooks.openapiV3(parts.slice(3).join('/')));
  throw notFound();
}

function servePublic(path: string, res: ServerResponse): void {
  if (path === '/version') return writeObject(res, 200, VERSION_INFO);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end('ok');
}

// JSON whatever Accept says, except the gnostic protobuf form kubectl asks for.
function serveOpenapiV2(deps: NonResourceDeps, req: IncomingMessage, res: ServerResponse): void {
  if (!(req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) return found(res, undefined, deps.hooks.openapiV2());
  const bytes = openapiV2Protobuf(deps.hooks.openapiV2() as JsonObject);
  // kubectl asks with '@v1.0' but parses the answer's type as a MIME type, where '@' is
  // not allowed: upstream (kube-openapi) answers with '.v1.0'.
  res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': bytes.length });
  res.end(bytes);
}

function found(res: ServerResponse, req: IncomingMessage | undefined, doc: object | undefined): void {
  if (!doc) throw notFound();
  writeObject(res, 200, doc, req ? negotiate(req.headers.accept) : undefined);
}
