// The server's validating admission: RBAC escalation prevention on every write of Roles,
// ClusterRoles and their bindings, each against the final object the storage is about to write.
import { findResource } from '../../api/resources.js';
import { admissionChain, type AdmissionChain } from '../admission/chain.js';
import { rbacEscalationCheck } from '../admission/rbac-escalation.js';
import type { RbacSource } from '../auth/rbac.js';
import type { ServerHooks } from '../hooks.js';
import { ApiError } from '../status.js';
import type { Registry } from '../storage/registry.js';

const ROLE = findResource('rbac.authorization.k8s.io', 'v1', 'roles')!;
const CLUSTER_ROLE = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;

/** `registry()` is read at the first write (the registry is built after the hooks). */
export function admissionWiring(deps: { rbac: RbacSource; authorize: ServerHooks['authorize']; registry: () => Registry }): AdmissionChain {
  return admissionChain([
    rbacEscalationCheck({
      rbac: deps.rbac,
      authorize: deps.authorize,
      async getRole(kind, namespace, name) {
        try {
          return await deps.registry().get(kind === 'Role' ? ROLE : CLUSTER_ROLE, kind === 'Role' ? namespace : '', name);
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) return undefined;
          throw err;
        }
      },
    }),
  ]);
}
