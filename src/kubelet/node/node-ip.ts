// The node's InternalIP (upstream --node-ip): the one given, else the first IPv4 address of
// the interface the default route leaves through.
import { isIP } from 'node:net';
import type { NodeInfo } from '../../host/nodeinfo/types.js';

export class NodeIpError extends Error {
  override readonly name = 'NodeIpError';
}

/** Rejects with NodeIpError for a malformed nodeIp, or when there is none and no default route to take one from. */
export async function resolveNodeIp(nodeInfo: Pick<NodeInfo, 'defaultRouteIPv4'>, nodeIp?: string): Promise<string> {
  if (nodeIp !== undefined) {
    if (!isIP(nodeIp)) throw new NodeIpError(`node IP: "${nodeIp}" is not a valid IP address`);
    return nodeIp;
  }
  const [first] = await nodeInfo.defaultRouteIPv4();
  if (!first) throw new NodeIpError('node IP: no default IPv4 route to take the address from; pass one (--node-ip)');
  return first;
}
