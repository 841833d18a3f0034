// The pure half of the ClusterRole aggregation controller (upstream
// pkg/controller/clusterroleaggregation): the rules a ClusterRole with an aggregationRule
// should carry, given every ClusterRole there is.
import { selectorMatches } from '../../api/validation/workload.js';
import type { ClusterRole, PolicyRule } from '../../api/types.js';

// Semantic equality as upstream's: a missing list equals an empty one.
const FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;
const ruleKey = (r: PolicyRule) => JSON.stringify(FIELDS.map((f) => (Array.isArray(r?.[f]) ? r[f] : [])));

/** Whether two rule lists are the same (order counts, as upstream compares them). */
export function sameRules(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => ruleKey(r) === ruleKey(y[i]!));
}

const byName = (a: ClusterRole, b: ClusterRole): number => {
  const [x, y] = [a.metadata?.name ?? '', b.metadata?.name ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The rules `role` aggregates: per selector in order, the matching ClusterRoles sorted by
 * name (itself excluded), their rules in order, each rule once. undefined when `role` has no
 * aggregationRule (nothing to manage).
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!Array.isArray(selectors)) return undefined;
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sorted = [...all].sort(byName);
  for (const selector of selectors) {
    for (const other of sorted) {
      if (other.metadata?.name === role.metadata?.name || !selectorMatches(selector, other.metadata?.labels)) continue;
      for (const rule of Array.isArray(other.rules) ? other.rules : []) {
        const key = ruleKey(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(rule);
      }
    }
  }
  return out;
}
