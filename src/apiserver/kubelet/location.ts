// Where a pod's subresource is served (upstream's LogLocation / streamLocation and the
// NodeConnectionInfoGetter): the container it is about, the pod's node, and that node's
// kubelet address and port. Pure over the objects, so the refusals are tested alone.
import type { Node, Pod } from '../../api/types.js';
import { apiError, badRequest } from '../status.js';

/** kube-apiserver's --kubelet-preferred-address-types as kubeadm and k3s set it. */
const PREFERRED_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];
/** Upstream's --kubelet-port, used when the Node reports none. */
export const DEFAULT_KUBELET_PORT = 10250;

const names = (cs: readonly { name: string }[] | undefined) => (cs ?? []).map((c) => c.name).join(' ');

/**
 * The container a request is about: the one named (which the pod must have, init and
 * ephemeral containers included), or the pod's only container. Throws ApiError 400 in
 * upstream's words otherwise.
 */
export function containerFor(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  const spec = pod.spec;
  if (requested) {
    const all = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])];
    if (!all.some((c) => c.name === requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const containers = spec?.containers ?? [];
  if (containers.length === 1) return containers[0]!.name;
  if (!containers.length) throw badRequest(`a container name must be specified for pod ${name}`);
  // Every container in upstream's VisitContainers order: init, regular, ephemeral.
  const all = [...(spec?.initContainers ?? []), ...containers, ...(spec?.ephemeralContainers ?? [])];
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names(all)}]`);
}

/** host:port of the node's kubelet. Throws ApiError 500 when the node reports no usable address (upstream's words). */
export function kubeletEndpoint(node: Node): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  let host: string | undefined;
  for (const type of PREFERRED_ADDRESS_TYPES) {
    host = addresses.find((a) => a.type === type && a.address)?.address;
    if (host) break;
  }
  if (!host) {
    const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(' ');
    throw apiError(500, 'InternalError', `Internal error occurred: no preferred addresses found; known addresses: [${known}]`);
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  return { host, port: port > 0 ? port : DEFAULT_KUBELET_PORT };
}

/** https://host:port/<path>?<query> (IPv6 in brackets). */
export function kubeletUrl(endpoint: { host: string; port: number }, path: string, query: URLSearchParams): URL {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const url = new URL(`https://${host}:${endpoint.port}`);
  url.pathname = path;
  url.search = query.toString();
  return url;
}
