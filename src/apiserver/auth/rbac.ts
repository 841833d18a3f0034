// RBAC authorization with upstream's semantics: a request is allowed when some binding that
// applies to the user grants a role with a rule that covers it. ClusterRoleBindings count
// everywhere; RoleBindings only in their namespace (to a Role there, or to a ClusterRole
// read as if namespaced). Members of system:masters are always allowed, as upstream's
// privileged-group authorizer does ahead of RBAC.
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

/** Where the authorizer reads RBAC objects (plain JSON as stored); typically informer caches. */
export interface RbacSource {
  roles(ns: string): Promise<any[]>;
  roleBindings(ns: string): Promise<any[]>;
  clusterRoles(): Promise<any[]>;
  clusterRoleBindings(): Promise<any[]>;
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
      let clusterRoles: Map<string, any> | undefined;
      const clusterRole = async (name: string) => {
        clusterRoles ??= new Map((await src.clusterRoles()).map((r) => [r?.metadata?.name, r]));
        return clusterRoles.get(name);
      };

      for (const b of await src.clusterRoleBindings()) {
        const subject = (b.subjects ?? []).find((s: Subject) => subjectMatches(s, a.user, ''));
        if (!subject || b.roleRef?.kind !== 'ClusterRole') continue;
        const role = await clusterRole(b.roleRef.name);
        if (!role) { errors.push(notFound('clusterrole', b.roleRef.name)); continue; }
        if ((role.rules ?? []).some((r: PolicyRule) => ruleAllows(a, r))) {
          return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata?.name}" of ClusterRole "${role.metadata.name}" to ${describeSubject(subject, '')}` };
        }
      }

      const ns = a.namespace;
      if (ns) {
        let roles: Map<string, any> | undefined;
        for (const b of await src.roleBindings(ns)) {
          const subject = (b.subjects ?? []).find((s: Subject) => subjectMatches(s, a.user, ns));
          if (!subject) continue;
          const kind = b.roleRef?.kind;
          let role: any;
          if (kind === 'ClusterRole') role = await clusterRole(b.roleRef.name);
          else if (kind === 'Role') {
            roles ??= new Map((await src.roles(ns)).map((r) => [r?.metadata?.name, r]));
            role = roles.get(b.roleRef.name);
          } else continue;
          if (!role) { errors.push(notFound(kind === 'Role' ? 'role' : 'clusterrole', b.roleRef.name)); continue; }
          if ((role.rules ?? []).some((r: PolicyRule) => ruleAllows(a, r))) {
            return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata?.name}/${ns}" of ${kind} "${role.metadata.name}" to ${describeSubject(subject, ns)}` };
          }
        }
      }

      const reason = errors.length === 0 ? '' : errors.length === 1 ? `RBAC: ${errors[0]}` : `RBAC: [${errors.join(', ')}]`;
      return { allowed: false, reason };
    },
  };
}
