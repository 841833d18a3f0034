// The node's pod network as `skiff up` and `skiff agent` configure it once the Node has its
// podCIDR: skiff's bridge with host-local addresses from that CIDR, masquerade for traffic that
// leaves the cluster CIDR, and portmap for hostPorts, in the conf dir the runtime reads. The
// runtime brings each pod's lo up itself (as containerd does), so skiff-loopback is not chained:
// a plugin after the bridge must pass its prevResult on, and loopback answers with lo alone.
import { join } from 'node:path';
import type { Files } from '../host/files/types.js';

export const CONFLIST_NAME = '10-skiff.conflist';
export const NETWORK_NAME = 'skiff';
/** The node's pod bridge (upstream's kubenet calls it cbr0; flannel cni0). */
export const BRIDGE_NAME = 'skiff0';

export interface NodeNetwork {
  /** The Node's spec.podCIDR. */
  readonly podCidr: string;
  /** Where host-local keeps its reservations (below the agent's state). */
  readonly ipamDataDir: string;
}

/** The conflist JSON for a node. Pure. */
export function nodeConflist(net: NodeNetwork): object {
  return {
    cniVersion: '1.0.0',
    name: NETWORK_NAME,
    plugins: [
      {
        type: 'skiff-bridge', bridge: BRIDGE_NAME, isGateway: true, isDefaultGateway: true, ipMasq: true, hairpinMode: true,
        // isDefaultGateway gives the pod its default route via the bridge; an ipam route to 0.0.0.0/0 as well would collide with it.
        ipam: { type: 'skiff-host-local', ranges: [[{ subnet: net.podCidr }]], dataDir: net.ipamDataDir },
      },
      { type: 'skiff-portmap', capabilities: { portMappings: true } },
    ],
  };
}

/**
 * Writes the conflist into confDir (made 0755 if missing), atomically so the runtime never reads
 * half of it; other files there are left alone. Rejects with HostError from files.
 */
export async function writeNodeConflist(files: Files, confDir: string, net: NodeNetwork): Promise<string> {
  await files.mkdir(confDir, { recursive: true, mode: 0o755 });
  const path = join(confDir, CONFLIST_NAME);
  await files.writeAtomic(path, `${JSON.stringify(nodeConflist(net), null, 2)}\n`, { mode: 0o644 });
  return path;
}
