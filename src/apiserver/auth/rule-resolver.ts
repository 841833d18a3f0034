// The rules a user holds in a namespace (upstream DefaultRuleResolver.RulesFor): every rule of
// every role bound to them by a ClusterRoleBinding, plus, in a namespace, by a RoleBinding
// there. What the escalation check compares a requested role against.
import { subjectMatches, type PolicyRule, type RbacRole, type RbacSource } from './rbac.js';
import type { UserInfo } from './types.js';

export interface HeldRules {
  rules: PolicyRule[];
  /** Bindings whose role is missing, in the words of upstream's listers (`clusterrole.rbac.authorization.k8s.io "x" not found`). */
  errors: string[];
}

const notFound = (kind: 'role' | 'clusterrole', name: string) => `${kind}.rbac.authorization.k8s.io "${name}" not found`;

/** Rejects only when the source does. */
export async function rulesFor(src: RbacSource, user: UserInfo, namespace: string): Promise<HeldRules> {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  const collect = (role: RbacRole | undefined, missing: string) => {
    if (!role) errors.push(missing);
    else for (const r of role.rules ?? []) rules.push(r);
  };
  for (const b of await src.clusterRoleBindings()) {
    if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, ''))) continue;
    if (b.roleRef?.kind !== 'ClusterRole') { errors.push(`unsupported role reference kind: "${b.roleRef?.kind ?? ''}"`); continue; }
    collect(await src.clusterRole(b.roleRef.name), notFound('clusterrole', b.roleRef.name));
  }
  if (namespace) {
    for (const b of await src.roleBindings(namespace)) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
      const { kind, name } = b.roleRef ?? { kind: undefined, name: '' };
      if (kind === 'ClusterRole') collect(await src.clusterRole(name), notFound('clusterrole', name));
      else if (kind === 'Role') collect(await src.role(namespace, name), notFound('role', name));
      else errors.push(`unsupported role reference kind: "${kind ?? ''}"`);
    }
  }
  return { rules, errors };
}
