// RBAC escalation prevention (upstream pkg/registry/rbac/*/policybased): a user may write a
// Role, ClusterRole or binding only when it grants nothing they do not hold already, unless
//   roles, clusterroles           they have the `escalate` verb on the role (by URL name);
//   rolebindings, clusterrolebindings  they have the `bind` verb on the referenced role;
//   system:masters                always.
// An aggregationRule on a ClusterRole (being set, changed or kept) can gather anything, so
// writing one without `escalate` needs all rights (`*` on `*.*` and on every URL). Updates
// that change only ownerReferences and finalizers (the garbage collector's) are not checked.
import { notFound } from '../status.js';
import type { Attributes, Decision, UserInfo } from '../auth/types.js';
import { MASTERS } from '../auth/types.js';
import type { PolicyRule, RbacSource } from '../auth/rbac.js';
import { rulesFor } from '../auth/rule-resolver.js';
import { covers, describeMissing, goQuote, goQuoteList } from '../auth/rule-coverage.js';
import { requestersOnly } from './chain.js';
import { admissionForbidden } from './forbidden.js';
import { section, stringOf } from '../storage/fields.js';
import type { AdmissionPlugin, Obj, RequestAttributes } from './types.js';

const RBAC = 'rbac.authorization.k8s.io';
const ROLES = new Set(['roles', 'clusterroles']);
const BINDINGS = new Set(['rolebindings', 'clusterrolebindings']);
const FULL_AUTHORITY: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

export interface EscalationDeps {
  /** The policy the user's rules are resolved from (the authorizer's mirror). */
  rbac: RbacSource;
  /** The whole authorizer chain, for the `escalate` and `bind` verbs. */
  authorize(user: UserInfo, a: Attributes): Promise<Decision>;
  /** The role a binding references, read live (undefined when absent). */
  getRole(kind: 'Role' | 'ClusterRole', namespace: string, name: string): Promise<Obj | undefined>;
}

const forbiddenWrite = (resource: string, name: string, why: string) => admissionForbidden({ group: RBAC, resource, name }, why);

/** Upstream IsOnlyMutatingGCFields: the update changes nothing but ownerReferences and finalizers. */
function onlyGcFieldsChange(next: Obj, old: Obj | undefined): boolean {
  if (!old) return false;
  const strip = (o: Obj, from: Obj) => {
    const { resourceVersion: _rv, managedFields: _mf, ownerReferences: _or, finalizers: _f, ...meta } = o.metadata ?? {};
    return JSON.stringify({ ...o, metadata: { ...meta, ownerReferences: from.metadata?.ownerReferences, finalizers: from.metadata?.finalizers } });
  };
  return strip(next, old) === strip(old, old);
}

const hasAggregationRule = (role: Obj | undefined) => {
  const selectors = section(role?.aggregationRule).clusterRoleSelectors;
  return Array.isArray(selectors) && selectors.length > 0;
};

/** The admission plugin; see the header for what it refuses (403) and 404 for a binding to a missing role. */
export function rbacEscalationCheck(deps: EscalationDeps): AdmissionPlugin {
  /** Upstream ConfirmNoEscalation: null when `wanted` is covered, else the reason. */
  async function missingRights(user: UserInfo, namespace: string, wanted: PolicyRule[]): Promise<string | null> {
    const held = await rulesFor(deps.rbac, user, namespace);
    const { covered, missing } = covers(held.rules, wanted);
    if (covered) return null;
    let msg = `user ${goQuote(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing)}`;
    if (held.errors.length) msg += `; resolution errors: [${held.errors.length === 1 ? held.errors[0] : `[${held.errors.join(', ')}]`}]`;
    return msg;
  }

  const allowed = async (user: UserInfo, a: Omit<Attributes, 'user' | 'resourceRequest'>) =>
    (await deps.authorize(user, { ...a, user, resourceRequest: true })).allowed;

  async function checkRole(a: RequestAttributes, obj: Obj): Promise<void> {
    // RoleEscalationAuthorized: by the request's name (none on a create) and namespace.
    const urlName = a.operation === 'CREATE' ? '' : a.name;
    if (await allowed(a.user, { verb: 'escalate', apiGroup: RBAC, resource: a.resource, namespace: a.namespace || undefined, name: urlName || undefined })) return;
    const scope = a.resource === 'roles' ? a.namespace : '';
    const why = await missingRights(a.user, scope, Array.isArray(obj.rules) ? obj.rules : []);
    if (why) throw forbiddenWrite(a.resource, a.name, why);
    if (a.resource === 'clusterroles' && (hasAggregationRule(obj) || hasAggregationRule(a.oldObject))) {
      if (await missingRights(a.user, '', FULL_AUTHORITY)) throw forbiddenWrite(a.resource, a.name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }

  async function checkBinding(a: RequestAttributes, obj: Obj): Promise<void> {
    const ref = section(obj.roleRef);
    const kind = ref.kind === 'Role' || ref.kind === 'ClusterRole' ? ref.kind : undefined;
    if (!kind) return; // validation has refused it already
    const refName = stringOf(ref.name) ?? '';
    const namespace = a.resource === 'rolebindings' ? a.namespace : '';
    // BindingAuthorized: `bind` on the role, in the binding's namespace (cluster scope for a ClusterRoleBinding).
    const resource = kind === 'Role' ? 'roles' : 'clusterroles';
    if (await allowed(a.user, { verb: 'bind', apiGroup: stringOf(ref.apiGroup) ?? RBAC, resource, namespace: namespace || undefined, name: refName })) return;
    const role = await deps.getRole(kind, namespace, refName);
    if (!role) throw notFound(resource, refName, RBAC);
    const why = await missingRights(a.user, namespace, Array.isArray(role.rules) ? role.rules : []);
    if (why) throw forbiddenWrite(a.resource, a.name, why);
  }

  async function validate(a: RequestAttributes): Promise<void> {
    if (a.group !== RBAC || a.operation === 'DELETE' || !a.object) return;
    const isRole = ROLES.has(a.resource);
    if (!isRole && !BINDINGS.has(a.resource)) return;
    if (a.user.groups.includes(MASTERS)) return;
    if (a.operation === 'UPDATE' && onlyGcFieldsChange(a.object, a.oldObject)) return;
    return isRole ? checkRole(a, a.object) : checkBinding(a, a.object);
  }

  return requestersOnly({ name: 'RBACEscalation', validate });
}
