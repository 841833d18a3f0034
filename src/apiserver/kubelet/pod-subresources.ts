// pods/log, pods/exec, pods/attach and pods/portforward (and nodes/proxy, node-proxy.ts): served by the pod's kubelet, which
// the apiserver reaches over TLS with its kubelet-client certificate, checking the kubelet's
// serving certificate against the cluster CA (upstream's pod REST Connect handlers with the
// UpgradeAwareHandler, and LogREST with its LocationStreamer).
//   log                 GET → https://<node>:<port>/containerLogs/<ns>/<pod>/<container>?…  streamed back
//   exec | attach       GET (WebSocket) / POST (SPDY) upgrade → /exec|/attach/<ns>/<pod>/<container>?input=1…
//   portforward         the same → /portForward/<ns>/<pod>?port=…
// An upgrade is spliced byte for byte (src/http/upgrade-proxy.ts), so every streaming
// protocol the kubelet speaks passes.
import { Agent, request } from 'node:https';
import { parsePodLogQuery } from '../../api/pod-log-options.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import { dialTarget, spliceUpgrade, upgradeRequestHead } from '../../http/upgrade-proxy.js';
import { forbidden } from '../auth/forbidden.js';
import type { Authorize } from '../auth/types.js';
import type { Authorized } from '../http/filters/types.js';
import { queryBool } from '../http/request-info.js';
import type { ResourceEndpoint } from '../http/route.js';
import { apiError, badRequest, invalid } from '../status.js';
import type { Registry } from '../storage/registry.js';
import { containerFor, kubeletEndpoint, kubeletUrl } from './location.js';
import { kubeletRefusal, MAX_REFUSAL_BYTES } from './log-response.js';
import { serveNodeProxy } from './node-proxy.js';
import { tunnelledProtocols, tunnelPortForward } from './portforward-tunnel.js';

export interface KubeletClientTls {
  /** PEM client certificate and key the apiserver presents (CN kube-apiserver-kubelet-client). */
  cert: string;
  key: string;
  /** PEM CA the kubelets' serving certificates must chain to. */
  ca: string;
}

export interface PodSubresourceDeps {
  registry: Registry;
  authorize: Authorize;
  tls: KubeletClientTls;
}

const STREAMS = new Map([['exec', 'exec'], ['attach', 'attach'], ['portforward', 'portForward']]);
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const methodNotAllowed = () => apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

/** The endpoint (route.ts) serving the four subresources; other requests pass on. */
export function podSubresourceEndpoint(deps: PodSubresourceDeps): ResourceEndpoint {
  // One agent: log requests reuse their TLS sessions with a kubelet.
  const agent = new Agent({ keepAlive: true, cert: deps.tls.cert, key: deps.tls.key, ca: deps.tls.ca });
  return async (r) => {
    const { info } = r;
    if (info.apiGroup !== '' || info.apiVersion !== 'v1' || !info.name) return false;
    if (info.resource === 'nodes' && info.subresource === 'proxy') {
      await serveNodeProxy(deps.registry, agent, deps.tls, r);
      return true;
    }
    if (info.resource !== 'pods') return false;
    if (info.subresource === 'log') {
      if (info.verb !== 'get') throw methodNotAllowed();
      await serveLog(deps, agent, r);
      return true;
    }
    const kind = STREAMS.get(info.subresource);
    if (!kind) return false;
    if (info.verb !== 'get' && info.verb !== 'create') throw methodNotAllowed();
    await serveStream(deps, kind, r);
    return true;
  };
}

async function getPod(deps: PodSubresourceDeps, r: Authorized): Promise<Pod> {
  return await deps.registry.get(PODS, r.info.namespace, r.info.name) as Pod;
}

async function endpointOf(deps: PodSubresourceDeps, nodeName: string) {
  return kubeletEndpoint(await deps.registry.get(NODES, '', nodeName) as Node);
}

async function serveLog(deps: PodSubresourceDeps, agent: Agent, r: Authorized): Promise<void> {
  const parsed = parsePodLogQuery(r.url.searchParams);
  if (!parsed.ok) throw 'badRequest' in parsed ? badRequest(parsed.badRequest) : invalid('PodLogOptions', r.info.name, parsed.invalid);
  const opts = parsed.options;
  const pod = await getPod(deps, r);
  const container = containerFor(pod, opts.container);
  const nodeName = pod.spec?.nodeName;
  // Not scheduled yet: upstream answers with an empty log.
  if (!nodeName) return void r.res.writeHead(200, { 'Content-Type': 'text/plain' }).end();
  const q = new URLSearchParams();
  if (opts.follow) q.set('follow', 'true');
  if (opts.previous) q.set('previous', 'true');
  if (opts.timestamps) q.set('timestamps', 'true');
  if (opts.sinceSeconds !== undefined) q.set('sinceSeconds', String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) q.set('sinceTime', new Date(opts.sinceTime).toISOString().replace(/\.\d+Z$/, 'Z'));
  if (opts.tailLines !== undefined) q.set('tailLines', String(opts.tailLines));
  if (opts.limitBytes !== undefined) q.set('limitBytes', String(opts.limitBytes));
  const ns = pod.metadata?.namespace ?? r.info.namespace;
  const url = kubeletUrl(await endpointOf(deps, nodeName), `/containerLogs/${enc(ns)}/${enc(r.info.name)}/${enc(container)}`, q);
  await new Promise<void>((resolve, reject) => {
    const upstream = request(url, { agent, method: 'GET' }, (resp) => {
      const code = resp.statusCode ?? 500;
      if (code < 200 || code > 206) {
        let body = '';
        resp.setEncoding('utf8');
        resp.on('data', (c: string) => { if (body.length < MAX_REFUSAL_BYTES) body += c; });
        resp.on('end', () => reject(kubeletRefusal(code, body.slice(0, MAX_REFUSAL_BYTES), 'pods/log', r.info.name)));
        resp.on('error', reject);
        return;
      }
      r.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
      r.res.flushHeaders();
      resp.pipe(r.res);
      resp.on('end', () => resolve());
      // The kubelet went away mid-stream: the client's log just ends.
      resp.on('error', () => { r.res.end(); resolve(); });
    });
    upstream.on('error', (err) => reject(apiError(500, 'InternalError', `Internal error occurred: ${err.message}`)));
    // The client left (kubectl logs -f interrupted): stop reading the kubelet.
    r.res.once('close', () => { upstream.destroy(); resolve(); });
    upstream.end();
  });
}

async function serveStream(deps: PodSubresourceDeps, kind: string, r: Authorized): Promise<void> {
  // A WebSocket upgrade is a GET; that it also creates a session must be allowed too
  // (upstream's AuthorizePodWebsocketUpgradeCreatePermission, on by default).
  if (r.info.verb === 'get') {
    const attrs = { ...r.attrs, verb: 'create' };
    const decision = await deps.authorize(r.user, attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason);
  }
  const q = r.url.searchParams;
  const pod = await getPod(deps, r);
  const params = new URLSearchParams();
  let path: string;
  const ns = pod.metadata?.namespace ?? r.info.namespace;
  if (kind === 'portForward') {
    const ports = q.getAll('ports').flatMap((p) => p.split(','));
    for (const p of ports) if (!/^\d+$/.test(p)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(p)}: invalid syntax`);
    if (ports.length) params.set('port', ports.join(','));
    path = `/portForward/${enc(ns)}/${enc(r.info.name)}`;
  } else {
    const container = containerFor(pod, q.get('container') ?? undefined);
    for (const [ours, theirs] of [['stdin', 'input'], ['stdout', 'output'], ['stderr', 'error'], ['tty', 'tty']] as const) {
      if (queryBool(q, ours) === true) params.set(theirs, '1');
    }
    if (kind === 'exec') for (const c of q.getAll('command')) params.append('command', c);
    path = `/${kind}/${enc(ns)}/${enc(r.info.name)}/${enc(container)}`;
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${r.info.name} does not have a host assigned`);
  const url = kubeletUrl(await endpointOf(deps, nodeName), path, params);
  if (!r.upgrade) throw badRequest('Upgrade request required');
  let target;
  try {
    target = await dialTarget(url, { cert: deps.tls.cert, key: deps.tls.key, ca: deps.tls.ca });
  } catch (err) {
    throw apiError(500, 'InternalError', `Internal error occurred: error dialing backend: ${(err as Error).message}`);
  }
  const tunnelled = kind === 'portForward' ? tunnelledProtocols(r.req) : [];
  if (tunnelled.length) {
    try {
      return await tunnelPortForward(r.req, r.upgrade, target, url, tunnelled);
    } catch (err) {
      throw apiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
    }
  }
  await spliceUpgrade(r.upgrade.takeSocket(), r.upgrade.head, target, upgradeRequestHead(r.req, url));
}

const enc = (s: string) => encodeURIComponent(s);

