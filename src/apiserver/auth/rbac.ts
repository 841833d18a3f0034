// RBAC authorization with upstream's semantics: a request is allowed when some binding that
// applies to the user grants a role with a rule that covers it. ClusterRoleBindings count
// everywhere; RoleBindings only in their namespace (to a Role there, or to a ClusterRole
// read as if namespaced). Members of system:masters are always allowed, as upstream's
// privileged-group authorizer does ahead of RBAC.
import type { ObjectMeta, TypeMeta } from '../../api/types.js';
import { parseServiceAccountUsername } from './serviceaccount-token.js';
import { MASTERS, type Attributes, type Decision, type UserInfo } from './types.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
}

/** A Role or ClusterRole as stored (validated when written). */
export interface RbacRole extends TypeMeta {
  metadata: ObjectMeta;
  /** null as Go decodes an empty list (so is any list of a rule: read with `?? []`). */
  rules?: PolicyRule[] | null;
}

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

/** A RoleBinding or ClusterRoleBinding as stored. */
export interface RbacBinding extends TypeMeta {
  metadata: ObjectMeta;
  subjects?: Subject[] | null;
  roleRef?: RoleRef | null;
}

/** Any of the four kinds, as the bootstrap policy and the mirror hold them. */
export interface RbacObject extends RbacRole, RbacBinding {
  aggregationRule?: { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } | null;
}

/** Where the authorizer reads RBAC objects (plain JSON as stored); typically informer caches. */
export interface RbacSource {
  /** The Role ns/name, or undefined. A binding names its role: a lookup, never a list of all. */
  role(ns: string, name: string): Promise<RbacRole | undefined>;
  roleBindings(ns: string): Promise<RbacBinding[]>;
  clusterRole(name: string): Promise<RbacRole | undefined>;
  clusterRoleBindings(): Promise<RbacBinding[]>;
}

const has = (list: readonly string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

/** Whether `resources` of a rule covers resource[/subresource], '*' and '*\/sub' included. */
export function resourceMatches(resources: readonly string[] | undefined, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (resources ?? []).some((r) => r === '*' || r === combined || (!!subresource && r === `*/${subresource}`));
}

/** Whether a non-resource rule covers the path: exact, '*', or a prefix ending in '*'. */
export function nonResourceURLMatches(urls: readonly string[] | undefined, path: string): boolean {
  return (urls ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** Whether one rule allows the request (upstream RuleAllows). */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule.nonResourceURLs, a.path ?? '');
  return (
    has(rule.apiGroups, a.apiGroup) &&
    resourceMatches(rule.resources, a.resource, a.subresource) &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(a.name ?? ''))
  );
}

/**
 * Whether a binding subject names the user. A ServiceAccount subject without a namespace
 * means the binding's own namespace (RoleBindings only), as upstream.
 */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      const sa = parseServiceAccountUsername(user.name);
      return !!ns && !!sa && sa[0] === ns && sa[1] === s.name;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

const notFound = (kind: 'role' | 'clusterrole', name: string) => `${kind}.rbac.authorization.k8s.io "${name}" not found`;

export interface RbacAuthorizer {
  /**
   * Allowed with upstream's reason (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`),
   * or denied with reason '' — or `RBAC: <errors>` when a binding named a missing role.
   * Rejects only when the source does.
   */
  authorize(a: Attributes): Promise<Decision>;
}

export function rbacAuthorizer(src: RbacSource): RbacAuthorizer {
  return {
    async authorize(a) {
      if (a.user.groups.includes(MASTERS)) return { allowed: true, reason: '' };
      const errors: string[] = [];
      for (const b of await src.clusterRoleBindings()) {
        const subject = (b.subjects ?? []).find((s) => subjectMatches(s, a.user, ''));
        if (!subject || b.roleRef?.kind !== 'ClusterRole') continue;
        const role = await src.clusterRole(b.roleRef.name);
        if (!role) { errors.push(notFound('clusterrole', b.roleRef.name)); continue; }
        if ((role.rules ?? []).some((r) => ruleAllows(a, r))) {
          return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${String(b.metadata?.name)}" of ClusterRole "${String(role.metadata.name)}" to ${describeSubject(subject, '')}` };
        }
      }

      const ns = a.namespace;
      if (ns) {
        for (const b of await src.roleBindings(ns)) {
          const subject = (b.subjects ?? []).find((s) => subjectMatches(s, a.user, ns));
          const ref = b.roleRef;
          if (!subject || !ref) continue;
          let role: RbacRole | undefined;
          if (ref.kind === 'ClusterRole') role = await src.clusterRole(ref.name);
          else if (ref.kind === 'Role') role = await src.role(ns, ref.name);
          else continue;
          if (!role) { errors.push(notFound(ref.kind === 'Role' ? 'role' : 'clusterrole', ref.name)); continue; }
          if ((role.rules ?? []).some((r) => ruleAllows(a, r))) {
            return { allowed: true, reason: `RBAC: allowed by RoleBinding "${String(b.metadata?.name)}/${ns}" of ${ref.kind} "${String(role.metadata.name)}" to ${describeSubject(subject, ns)}` };
          }
        }
      }

      const reason = errors.length === 0 ? '' : errors.length === 1 ? `RBAC: ${errors[0]}` : `RBAC: [${errors.join(', ')}]`;
      return { allowed: false, reason };
    },
  };
}
