// rbac.authorization.k8s.io kinds (upstream pkg/apis/rbac/validation): rules need verbs and
// either resources or non-resource URLs; bindings reference a role they may not swap later.
import { type Errs, invalid, isOneOf, type Keys, notSupported, pathSegmentProblems, required, subdomainProblems } from './field.js';
import { labelSelector } from './common.js';
import { isObject, type JsonObject, type RoleRef } from '../types.js';

const RBAC = 'rbac.authorization.k8s.io';
const nonEmpty = (v: unknown): v is unknown[] => Array.isArray(v) && v.length > 0;

function policyRule(errs: Errs, f: string, r: JsonObject, namespaced: boolean): void {
  if (!nonEmpty(r.verbs)) errs.push(required(`${f}.verbs`, 'verbs must contain at least one value'));
  if (nonEmpty(r.nonResourceURLs)) {
    if (namespaced) errs.push(invalid(`${f}.nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (nonEmpty(r.apiGroups) || nonEmpty(r.resources) || nonEmpty(r.resourceNames)) {
      errs.push(invalid(`${f}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return;
  }
  if (!nonEmpty(r.apiGroups)) errs.push(required(`${f}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!nonEmpty(r.resources)) errs.push(required(`${f}.resources`, 'resource rules must supply at least one resource'));
}

/** A Role (namespaced) or ClusterRole: each rule at rules[i]. */
export function validateRole(errs: Errs, o: JsonObject, namespaced: boolean): void {
  if (Array.isArray(o.rules)) o.rules.forEach((r, i) => isObject(r) && policyRule(errs, `rules[${i}]`, r, namespaced));
  if (!namespaced && isObject(o.aggregationRule)) {
    const sels = o.aggregationRule.clusterRoleSelectors;
    if (!nonEmpty(sels)) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    else sels.forEach((s, i) => labelSelector(errs, `aggregationRule.clusterRoleSelectors[${i}]`, s));
  }
}

function subject(errs: Errs, f: string, s: JsonObject, namespaced: boolean): void {
  if (!s.name) errs.push(required(`${f}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of subdomainProblems(String(s.name))) errs.push(invalid(`${f}.name`, s.name, m));
      if (s.apiGroup) errs.push(notSupported(`${f}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${f}.namespace`));
      break;
    case 'User': case 'Group':
      if (s.apiGroup !== RBAC) errs.push(notSupported(`${f}.apiGroup`, s.apiGroup ?? '', [RBAC]));
      break;
    default:
      errs.push(notSupported(`${f}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
}

/**
 * A RoleBinding (namespaced: may reference a Role or ClusterRole) or ClusterRoleBinding (a
 * ClusterRole only; ServiceAccount subjects need a namespace). roleRef cannot change on update.
 */
export function validateBinding(errs: Errs, o: JsonObject, old: JsonObject | undefined, namespaced: boolean): void {
  const ref = isObject(o.roleRef) ? o.roleRef : {};
  if (ref.apiGroup !== RBAC) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!isOneOf(ref.kind, kinds)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  else for (const m of pathSegmentProblems(String(ref.name))) errs.push(invalid('roleRef.name', ref.name, m));
  if (Array.isArray(o.subjects)) o.subjects.forEach((s, i) => isObject(s) && subject(errs, `subjects[${i}]`, s, namespaced));
  const oldRef = old?.roleRef;
  if (isObject(oldRef)) {
    const changed = (['apiGroup', 'kind', 'name'] as const satisfies Keys<RoleRef>).some((k) => (oldRef[k] ?? '') !== (ref[k] ?? ''));
    if (changed) errs.push(invalid('roleRef', ref, 'cannot change roleRef'));
  }
}
