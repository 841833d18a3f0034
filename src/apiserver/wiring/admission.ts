// The server's validating admission, each plugin against the final object the storage is about
// to write: NodeRestriction (kubelets write only their own objects), then RBAC escalation
// prevention on every write of Roles, ClusterRoles and their bindings.
import { findResource } from '../../api/resources.js';
import { admissionChain, type AdmissionChain } from '../admission/chain.js';
import { nodeRestriction } from '../admission/node-restriction.js';
import { rbacEscalationCheck } from '../admission/rbac-escalation.js';
import type { RbacSource } from '../auth/rbac.js';
import type { ServerHooks } from '../hooks.js';
import { ApiError } from '../status.js';
import type { Registry } from '../storage/registry.js';

const ROLE = findResource('rbac.authorization.k8s.io', 'v1', 'roles')!;
const CLUSTER_ROLE = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
const NODE = findResource('', 'v1', 'nodes')!;
const POD = findResource('', 'v1', 'pods')!;

const absentAsUndefined = (err: unknown) => {
  if (err instanceof ApiError && err.code === 404) return undefined;
  throw err;
};

/** `registry()` is read at the first write (the registry is built after the hooks). */
export function admissionWiring(deps: { rbac: RbacSource; authorize: ServerHooks['authorize']; registry: () => Registry }): AdmissionChain {
  return admissionChain([
    nodeRestriction({
      get: (resource, namespace, name) => deps.registry().get(resource === 'nodes' ? NODE : POD, namespace, name).catch(absentAsUndefined),
    }),
    rbacEscalationCheck({
      rbac: deps.rbac,
      authorize: deps.authorize,
      getRole: (kind, namespace, name) => deps.registry().get(kind === 'Role' ? ROLE : CLUSTER_ROLE, kind === 'Role' ? namespace : '', name).catch(absentAsUndefined),
    }),
  ]);
}
