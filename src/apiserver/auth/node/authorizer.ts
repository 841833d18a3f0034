// The Node authorizer (upstream plugin/pkg/auth/authorizer/node, with 1.32's default
// AuthorizeNodeWithSelectors): a kubelet (user system:node:<name> in group system:nodes) gets
//   secrets, configmaps     get/list/watch of one named object its pods use
//   pvcs, pvs               get of one its pods use (pvcs/status update/patch)
//   serviceaccounts/token   create for an account its pods run as
//   leases                  its own, in kube-node-lease
//   csinodes                its own
//   nodes                   get/list/watch of its own; create/update/patch (NodeRestriction says whose)
//   pods                    get of its own; list/watch with fieldSelector spec.nodeName=<itself>;
//                           create/delete, status, eviction (NodeRestriction says which)
//   anything else           the static node rules (upstream NodeRules, RBAC's system:node role)
// It never denies: where it has no opinion RBAC decides, and its reason is added to a 403.
import { requiredFieldValues } from '../../storage/selectors.js';
import { ruleAllows, type PolicyRule } from '../rbac.js';
import type { Attributes, UserInfo } from '../types.js';
import type { NodeGraph, VertexType } from './graph.js';

export const NODES_GROUP = 'system:nodes';
const NODE_PREFIX = 'system:node:';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Upstream NodeIdentity: the node name, '' when unidentifiable, undefined when not a node. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_PREFIX.length);
}

export interface NodeDecision {
  allowed: boolean;
  /** Why not, when it has an opinion worth telling (appended to the 403). */
  reason: string;
}

const allow: NodeDecision = { allowed: true, reason: '' };
const noOpinion = (reason = ''): NodeDecision => ({ allowed: false, reason });

/** Whether a field selector has the requirement field=value (`=` or `==`). */
function selects(selector: string | undefined, field: string, value: string): boolean {
  return requiredFieldValues(selector, field).includes(value);
}

export interface NodeAuthorizer {
  /** Never rejects. */
  authorize(a: Attributes): NodeDecision;
}

export function nodeAuthorizer(graph: Pick<NodeGraph, 'hasPath'>, nodeRules: readonly PolicyRule[]): NodeAuthorizer {
  const related = (node: string, type: VertexType, a: Attributes): NodeDecision => {
    if (!a.name) return noOpinion('No Object name found');
    return graph.hasPath(node, type, a.namespace ?? '', a.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
  };
  const get = (node: string, type: VertexType, a: Attributes): NodeDecision => {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return related(node, type, a);
  };
  const readNamespaced = (node: string, type: VertexType, a: Attributes): NodeDecision => {
    if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return related(node, type, a);
  };
  const ownObject = (node: string, a: Attributes, what: string, verbs: string[], message: string): NodeDecision => {
    if (!verbs.includes(a.verb)) return noOpinion(`can only get, create, update, patch, or delete a ${what}`);
    return a.verb !== 'create' && a.name !== node ? noOpinion(message) : allow;
  };

  function subdivided(node: string, a: Attributes): NodeDecision | undefined {
    const core = a.apiGroup === '';
    if (core && a.resource === 'secrets') return readNamespaced(node, 'secret', a);
    if (core && a.resource === 'configmaps') return readNamespaced(node, 'configmap', a);
    if (core && a.resource === 'persistentvolumeclaims') {
      if (a.subresource === 'status') {
        if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
        return related(node, 'pvc', a);
      }
      return get(node, 'pvc', a);
    }
    if (core && a.resource === 'persistentvolumes') return get(node, 'pv', a);
    if (core && a.resource === 'serviceaccounts') {
      if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
      if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
      return related(node, 'serviceaccount', a);
    }
    if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
      if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
      return a.verb !== 'create' && a.name !== node ? noOpinion('can only access node lease with the same name as the requesting node') : allow;
    }
    if (a.apiGroup === 'storage.k8s.io' && a.resource === 'csinodes') {
      if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
      return ownObject(node, a, 'CSINode', ['get', 'create', 'update', 'patch', 'delete'], 'can only access CSINode with the same name as the requesting node');
    }
    if (core && a.resource === 'nodes') {
      if (!a.subresource && ['create', 'update', 'patch'].includes(a.verb)) return allow; // NodeRestriction: only its own
      if (!a.subresource && ['get', 'list', 'watch'].includes(a.verb)) {
        if (a.name === node) return allow;
        return noOpinion(a.name ? `node '${node}' cannot read '${a.name}', only its own Node object` : `node '${node}' cannot read all nodes, only its own Node object`);
      }
      if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) return allow;
      return noOpinion();
    }
    if (core && a.resource === 'pods') {
      if (!a.subresource) {
        if (a.verb === 'get') return get(node, 'pod', a);
        if (a.verb === 'list' || a.verb === 'watch') {
          if (selects(a.fieldSelector, 'spec.nodeName', node)) return allow;
          if (a.name) return related(node, 'pod', a);
          return noOpinion('can only list/watch pods with spec.nodeName field selector');
        }
        if (a.verb === 'create' || a.verb === 'delete') return allow; // NodeRestriction: mirror pods bound to itself
      }
      if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) return allow;
      if (a.subresource === 'eviction' && a.verb === 'create') return allow;
      return noOpinion();
    }
    return undefined;
  }

  return {
    authorize(a) {
      const node = nodeIdentity(a.user);
      if (node === undefined) return noOpinion();
      if (!node) return noOpinion(`unknown node for user "${a.user.name}"`);
      const decision = a.resourceRequest ? subdivided(node, a) : undefined;
      if (decision) return decision;
      return nodeRules.some((r) => ruleAllows(a, r)) ? allow : noOpinion();
    },
  };
}
