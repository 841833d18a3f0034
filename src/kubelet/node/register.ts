// Registration (upstream kubelet_node_status.go registerWithAPIServer): create the Node; when
// it exists already — this kubelet restarted, or the node was pre-created — adopt it, putting
// back the default labels and the attach/detach annotation the kubelet owns, as upstream's
// reconcile on AlreadyExists does. The existing spec (podCIDR, taints) is kept.
import type { Node } from '../../api/types.js';
import { clone } from '../../api/types.js';
import { isAlreadyExists } from '../../client/errors.js';
import type { ResourceClient } from '../../client/resource.js';
import type { MachineFacts } from '../../host/nodeinfo/types.js';
import { nodeStatusPatch } from './status-patch.js';

const ATTACH_DETACH = 'volumes.kubernetes.io/controller-managed-attach-detach';

/** The labels every kubelet sets on its Node (upstream initialNode). */
export function defaultLabels(hostname: string, machine: Pick<MachineFacts, 'operatingSystem' | 'architecture'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': machine.architecture,
    'beta.kubernetes.io/os': machine.operatingSystem,
    'kubernetes.io/arch': machine.architecture,
    'kubernetes.io/hostname': hostname,
    'kubernetes.io/os': machine.operatingSystem,
  };
}

/** The Node this kubelet creates: labels, annotation, empty spec, and the status it computed. */
export function initialNode(nodeName: string, labels: Record<string, string>, status: Node['status']): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: nodeName, labels: { ...labels }, annotations: { [ATTACH_DETACH]: 'true' } },
    spec: {},
    ...(status ? { status } : {}),
  };
}

/** existing with the kubelet's labels and annotation put back (its other labels, spec and status kept). */
export function adopted(existing: Node, initial: Node): Node {
  const out = clone(existing);
  out.metadata.labels = { ...out.metadata.labels, ...initial.metadata.labels };
  out.metadata.annotations = { ...out.metadata.annotations, [ATTACH_DETACH]: 'true' };
  return out;
}

/**
 * Creates the Node or adopts the existing one; resolves with the Node as the server holds it.
 * Rejects with ApiStatusError (Forbidden when the credentials are not this node's, ...).
 */
export async function registerNode(nodes: ResourceClient<Node>, initial: Node): Promise<Node> {
  try {
    return await nodes.create(initial);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await nodes.get(initial.metadata.name!);
  const patch = nodeStatusPatch({ ...existing, status: {} }, { ...adopted(existing, initial), status: {} });
  return patch ? nodes.patch(existing.metadata.name!, 'strategic', patch, { subresource: 'status' }) : existing;
}
