// The server's admission chain, in upstream's plugin order (kube-apiserver's
// AllOrderedPlugins, those skiff has): LimitRanger, ServiceAccount, NodeRestriction, Priority,
// CertificateApproval, CertificateSigning, CertificateSubjectRestriction, then RBAC
// escalation prevention (upstream's rbac storage does that after admission). Without the
// real authentication and RBAC (`rbac` absent) there are no node identities to restrict and
// no policy to check escalation against: those two are left out, as before they existed.
import { findResource } from '../../api/resources.js';
import { admissionChain, type AdmissionChain } from '../admission/chain.js';
import { certificateApproval, certificateSigning, certificateSubjectRestriction } from '../admission/certificates.js';
import { limitRanger } from '../admission/limit-ranger.js';
import { nodeRestriction } from '../admission/node-restriction.js';
import { priority } from '../admission/priority.js';
import { rbacEscalationCheck } from '../admission/rbac-escalation.js';
import { serviceAccount } from '../admission/service-account.js';
import type { ObjectReader } from '../admission/types.js';
import type { RbacSource } from '../auth/rbac.js';
import type { Authorize } from '../auth/types.js';
import { ApiError } from '../status.js';
import type { Obj } from '../storage/codec.js';
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
export function admissionWiring(deps: { rbac?: RbacSource; authorize: Authorize; registry: () => Registry }): AdmissionChain {
  const read: ObjectReader = {
    get: (r, namespace, name) => deps.registry().get(r, namespace, name).catch(absentAsUndefined),
    list: async (r, namespace) => (await deps.registry().list(r, namespace, {})).items as Obj[],
  };
  const { rbac } = deps;
  return admissionChain([
    limitRanger(read),
    serviceAccount(read),
    ...(rbac ? [nodeRestriction({ get: (resource, namespace, name) => read.get(resource === 'nodes' ? NODE : POD, namespace, name) })] : []),
    priority(read),
    certificateApproval(deps.authorize),
    certificateSigning(deps.authorize),
    certificateSubjectRestriction(),
    ...(rbac ? [rbacEscalationCheck({
      rbac,
      authorize: deps.authorize,
      getRole: (kind, namespace, name) => read.get(kind === 'Role' ? ROLE : CLUSTER_ROLE, kind === 'Role' ? namespace : '', name),
    })] : []),
  ]);
}
