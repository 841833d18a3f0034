// nodes/<name>[:<port>]/proxy/<path>: any request passed to the node's kubelet as it is (method,
// query, body, and the kubelet's answer whatever its status), as upstream's NodeREST proxy
// with the UpgradeAwareHandler; an upgrade is spliced through. The apiserver authenticates as
// its kubelet-client; who the caller is, the kubelet does not learn (nodes/proxy is as
// powerful as the kubelet's API: RBAC grants it to cluster admins only).
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Agent } from 'node:https';
import { findResource } from '../../api/resources.js';
import type { Node } from '../../api/types.js';
import { dialTarget, spliceUpgrade, upgradeRequestHead } from '../../http/upgrade-proxy.js';
import type { Authorized } from '../http/filters/types.js';
import { apiError, badRequest } from '../status.js';
import type { Registry } from '../storage/registry.js';
import { kubeletEndpoint, kubeletUrl } from './location.js';
import type { KubeletClientTls } from './pod-subresources.js';

const NODES = findResource('', 'v1', 'nodes')!;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'authorization', 'proxy-authorization']);

/** The path after /proxy, percent-encoded as the client sent it ('/' when none). */
function proxiedPath(rawPath: string): string {
  const i = rawPath.indexOf('/proxy');
  const rest = i < 0 ? '' : rawPath.slice(i + '/proxy'.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** `name` or `name:port`; a scheme prefix (https:name:port) as upstream allows, only https. Throws ApiError 400 otherwise. */
export function splitNodeTarget(id: string): { name: string; port?: number } {
  const parts = id.split(':');
  if (parts.length === 3 && parts[0] === 'https') parts.shift();
  if (parts.length > 2 || !parts[0]) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  if (parts.length === 1) return { name: parts[0] };
  const port = Number(parts[1]);
  if (!/^\d+$/.test(parts[1]!) || port < 1 || port > 65535) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  return { name: parts[0], port };
}

/** Headers as [name, value] pairs, without hop-by-hop ones and the caller's credentials. */
function forwardHeaders(headers: IncomingHttpHeaders): [string, string | string[]][] {
  return Object.entries(headers).filter((e): e is [string, string | string[]] =>
    e[1] !== undefined && !HOP_BY_HOP.has(e[0]) && !e[0].startsWith('impersonate-'));
}

export async function serveNodeProxy(registry: Registry, agent: Agent, tls: KubeletClientTls, r: Authorized): Promise<void> {
  const { name, port } = splitNodeTarget(r.info.name);
  const endpoint = kubeletEndpoint(await registry.get(NODES, '', name) as Node);
  const url = kubeletUrl({ host: endpoint.host, port: port ?? endpoint.port }, '/', r.url.searchParams);
  // The path keeps the client's own encoding: the kubelet decodes it once, as upstream's proxy does.
  url.pathname = proxiedPath(r.url.pathname);
  if (r.upgrade) {
    let target;
    try {
      target = await dialTarget(url, { cert: tls.cert, key: tls.key, ca: tls.ca });
    } catch (err) {
      throw apiError(500, 'InternalError', `Internal error occurred: error dialing backend: ${(err as Error).message}`);
    }
    return spliceUpgrade(r.upgrade.takeSocket(), r.upgrade.head, target, upgradeRequestHead(r.req, url));
  }
  await new Promise<void>((resolve, reject) => {
    const upstream = request(url, { agent, method: r.req.method ?? 'GET', headers: Object.fromEntries(forwardHeaders(r.req.headers)) }, (resp) => {
      r.res.writeHead(resp.statusCode ?? 502, forwardHeaders(resp.headers).flat());
      resp.pipe(r.res);
      resp.on('end', () => resolve());
      resp.on('error', () => { r.res.end(); resolve(); });
    });
    upstream.on('error', (err) => {
      if (r.res.headersSent) return void (r.res.end(), resolve());
      reject(apiError(500, 'InternalError', `Internal error occurred: error trying to reach service: ${err.message}`));
    });
    r.res.once('close', () => { upstream.destroy(); resolve(); });
    r.req.pipe(upstream);
  });
}
