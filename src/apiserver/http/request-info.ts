// What a request is about, from its method, path and query (upstream's RequestInfoFactory):
// API group/version, namespace, resource, name, subresource and the Kubernetes verb.
import { badRequest } from '../status.js';

export interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

// Namespace subresources stay on the namespace itself: /api/v1/namespaces/x/status.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Whether the path names a namespace before the resource: /api/v1/namespaces/<ns>/<resource>...
 * (not /api/v1/namespaces/<name>[/status|/finalize], the namespace object itself). Request info
 * cannot tell `/namespaces/a/namespaces/b` from `/namespaces/b` by namespace alone (upstream's
 * cannot either, and authorizes both in namespace a); routing must refuse the first.
 */
export function hasNamespacePrefix(info: RequestInfo): boolean {
  if (!info.resourceRequest) return false;
  // Decoded as requestInfo decodes them: /api/v1/%6eamespaces/team/nodes is the same path.
  const parts = info.path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'watch') rest = rest.slice(1);
  return rest[0] === 'namespaces' && rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!);
}

/** Parses the request. Throws ApiError 400 on a malformed percent-encoding. */
export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  let parts: string[];
  try {
    parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    throw badRequest(`malformed path ${path}`);
  }
  const info: RequestInfo = { resourceRequest: false, path, verb: method.toLowerCase(), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    info.apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    info.apiGroup = parts[1]!;
    info.apiVersion = parts[2]!;
    rest = parts.slice(3);
  } else {
    return info;
  }
  if (rest.length === 0) return info;
  info.resourceRequest = true;
  let watchPath = false;
  if (rest[0] === 'watch') { watchPath = true; rest = rest.slice(1); }
  if (rest[0] === 'namespaces' && rest.length > 1) {
    info.namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  // A proxy subresource carries the path it proxies (nodes/<name>/proxy/stats/summary).
  if (rest.length > 3 && info.subresource !== 'proxy') throw badRequest(`the server could not find the requested resource: too many path segments in ${path}`);
  // As upstream: ?watch makes a collection GET a watch; a GET of one name stays a get.
  const watching = watchPath || (!info.name && queryBool(url.searchParams, 'watch') === true);
  switch (method) {
    case 'GET': case 'HEAD': info.verb = watching ? 'watch' : info.name ? 'get' : 'list'; break;
    case 'POST': info.verb = 'create'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name ? 'delete' : 'deletecollection'; break;
    default: info.verb = method.toLowerCase();
  }
  return info;
}

/**
 * A boolean query parameter as upstream converts one (Convert_Slice_string_To_bool): absent is
 * undefined; "0" and "false" (any case) are false; anything else, the empty string too, is true.
 */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}
