// The pod's network through CNI, the way containerd calls it: one attachment per pod
// (container id = sandbox id, ifname eth0) with the kubelet's CNI_ARGS and capabilities.
import type { CniInvoker, RuntimeConf } from '../../cni/invoker/invoker.js';
import type { NetConfList, PortMapping, Result } from '../../cni/types.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import { bandwidthCapability } from './bandwidth.js';

/** The network pods join: the invoker and the configuration list it runs (the first one in the CNI config dir). */
export interface PodNetwork {
  invoker: CniInvoker;
  list: NetConfList;
}

export const POD_IFNAME = 'eth0';

/** The capability name under which containerd hands plugins the pod's annotations. */
export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

export interface PodIps {
  /** The pod's IP: the first IPv4 address on eth0 (the first address when it has none). */
  ip?: string;
  /** eth0's other addresses, in the result's order. */
  additionalIps: string[];
}

/** CNI_ARGS as containerd passes them; IgnoreUnknown so plugins that know none of them still run. */
export function cniArgs(id: string, config: PodSandboxConfig__Output): Record<string, string> {
  const meta = config.metadata;
  return {
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: meta?.namespace ?? '',
    K8S_POD_NAME: meta?.name ?? '',
    K8S_POD_INFRA_CONTAINER_ID: id,
    K8S_POD_UID: meta?.uid ?? '',
  };
}

/**
 * Capability arguments: portMappings (those with a host port), dns, bandwidth and the pod's
 * annotations; each plugin receives only those it declares. Rejects (CriError
 * invalidArgument) a malformed bandwidth annotation.
 */
export function capabilityArgs(config: PodSandboxConfig__Output): Record<string, unknown> {
  const portMappings: PortMapping[] = config.portMappings
    .filter((p) => p.hostPort > 0)
    .map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol.toLowerCase(), ...(p.hostIp ? { hostIP: p.hostIp } : {}) }));
  const dns = config.dnsConfig;
  const bandwidth = bandwidthCapability(config.annotations);
  return {
    portMappings,
    ...(dns ? { dns: { servers: dns.servers, searches: dns.searches, options: dns.options } } : {}),
    ...(bandwidth ? { bandwidth } : {}),
    [POD_ANNOTATIONS_CAPABILITY]: config.annotations,
  };
}

/** The attachment of pod `id` in netns `netns` ('' when the netns is gone: DEL still frees the rest). */
export function runtimeConf(id: string, config: PodSandboxConfig__Output, netns: string): RuntimeConf {
  return { containerId: id, netns, ifname: POD_IFNAME, args: cniArgs(id, config), capabilityArgs: capabilityArgs(config) };
}

/** The pod's addresses from a CNI result, as containerd's selectPodIPs picks them. */
export function podIps(result: Result, ifname = POD_IFNAME): PodIps {
  const ifaces = result.interfaces ?? [];
  const own = ifaces.findIndex((i) => i.name === ifname && !!i.sandbox);
  // A result without interfaces (some IPAM-only chains) still names the pod's addresses.
  const ips = (result.ips ?? []).filter((c) => (own < 0 ? c.interface === undefined || ifaces.length === 0 : c.interface === own)).map((c) => c.address.split('/')[0]!);
  const primary = ips.findIndex((a) => !a.includes(':'));
  const at = primary >= 0 ? primary : 0;
  return ips.length ? { ip: ips[at], additionalIps: ips.filter((_, i) => i !== at) } : { additionalIps: [] };
}

/** CNI ADD for the pod. Rejects with the plugin's CniError; what it did is undone by delPodNetwork. */
export async function addPodNetwork(net: PodNetwork, id: string, config: PodSandboxConfig__Output, netns: string): Promise<PodIps> {
  return podIps(await net.invoker.add(net.list, runtimeConf(id, config, netns)));
}

/**
 * CNI DEL for the pod (with the cached result when there is one). Idempotent; `netns` ''
 * when the netns is gone. Rejects with the first plugin's CniError, as libcni does.
 */
export async function delPodNetwork(net: PodNetwork, id: string, config: PodSandboxConfig__Output, netns: string): Promise<void> {
  await net.invoker.del(net.list, runtimeConf(id, config, netns));
}

/**
 * DEL that gets past a failing plugin, for undoing a failed ADD: the invoker stops at the
 * first plugin that fails (often the very one that broke the ADD, e.g. a missing binary),
 * which would keep the plugins before it (bridge, IPAM) from freeing what they took. So DEL
 * again without the last plugin of the list, then without the last two, and so on: each
 * plugin gets its DEL, in reverse order, and DEL is idempotent. Never rejects.
 */
export async function delPodNetworkBestEffort(net: PodNetwork, id: string, config: PodSandboxConfig__Output, netns: string): Promise<void> {
  const conf = runtimeConf(id, config, netns);
  for (let n = net.list.plugins.length; n > 0; n--) {
    try {
      await net.invoker.del({ ...net.list, plugins: net.list.plugins.slice(0, n) }, conf);
      return;
    } catch {}
  }
}
