// The "who am I / may I" endpoints kubectl uses: SelfSubjectAccessReview (`kubectl auth
// can-i`), SelfSubjectRulesReview (`can-i --list`) and SelfSubjectReview (`auth whoami`).
// They answer for the requesting user with the same authorizer that guards requests.
import type { Decision, RbacSource, UserInfo } from '../auth/index.js';
import { subjectMatches, type PolicyRule } from '../auth/index.js';
import type { AuthzAttributes } from '../hooks.js';
import { badRequest } from '../status.js';

type Obj = Record<string, any>;
type Authorize = (user: UserInfo, attrs: AuthzAttributes) => Promise<Decision>;

const object = (body: unknown, kind: string): Obj => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body must be a ${kind} object`);
  const o = body as Obj;
  if (o.kind !== undefined && o.kind !== kind) throw badRequest(`expected a ${kind}, got ${o.kind}`);
  return o;
};

/** SelfSubjectAccessReview: may the requester do what spec describes. Throws ApiError 400 on a body without attributes. */
export async function selfSubjectAccessReview(user: UserInfo, body: unknown, authorize: Authorize): Promise<Obj> {
  const review = object(body, 'SelfSubjectAccessReview');
  const spec: Obj = review.spec ?? {};
  const ra: Obj | undefined = spec.resourceAttributes;
  const nra: Obj | undefined = spec.nonResourceAttributes;
  if (!ra === !nra) throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const attrs: AuthzAttributes = ra
    ? { user, verb: ra.verb ?? '', apiGroup: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: ra.namespace ?? '', name: ra.name ?? '', resourceRequest: true, path: '' }
    : { user, verb: nra!.verb ?? '', apiGroup: '', resource: '', path: nra!.path ?? '', resourceRequest: false };
  const decision = await authorize(user, attrs);
  return {
    kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}

/**
 * SelfSubjectRulesReview: the rules the requester holds in spec.namespace (cluster-wide
 * bindings included), as upstream's RBAC rules resolver lists them. Throws ApiError 400 when
 * the namespace is missing; rejects when the source does.
 */
export async function selfSubjectRulesReview(user: UserInfo, body: unknown, src: RbacSource): Promise<Obj> {
  const review = object(body, 'SelfSubjectRulesReview');
  const ns: string = review.spec?.namespace ?? '';
  if (!ns) throw badRequest('no namespace on request');
  const masters = user.groups.includes('system:masters');
  const rules: PolicyRule[] = masters ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : [];
  const errors: string[] = [];
  if (!masters) {
    const clusterRoles = new Map((await src.clusterRoles()).map((r) => [r.metadata?.name, r]));
    const roles = new Map((await src.roles(ns)).map((r) => [r.metadata?.name, r]));
    const bindings = [...(await src.clusterRoleBindings()).map((b) => [b, ''] as const), ...(await src.roleBindings(ns)).map((b) => [b, ns] as const)];
    for (const [b, bindingNs] of bindings) {
      if (!(b.subjects ?? []).some((s: any) => subjectMatches(s, user, bindingNs))) continue;
      const role = b.roleRef?.kind === 'Role' && bindingNs ? roles.get(b.roleRef.name) : b.roleRef?.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : undefined;
      if (!role) { errors.push(`${b.roleRef?.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${b.roleRef?.name}" not found`); continue; }
      rules.push(...(role.rules ?? []));
    }
  }
  const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return {
    kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace: ns },
    status: { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) },
  };
}

/** SelfSubjectReview: who the server takes the requester for. Never throws on a missing body. */
export function selfSubjectReview(user: UserInfo, apiVersion: string): Obj {
  return {
    kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } },
  };
}
