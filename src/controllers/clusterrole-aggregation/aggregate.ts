// The pure half of the ClusterRole aggregation controller (upstream
// pkg/controller/clusterroleaggregation): the rules a ClusterRole with an aggregationRule
// should carry, given every ClusterRole there is.
import { selectorMatches } from '../../api/validation/workload.js';

export type Obj = Record<string, any>;

// Semantic equality as upstream's: a missing list equals an empty one.
const FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;
const ruleKey = (r: Obj) => JSON.stringify(FIELDS.map((f) => (Array.isArray(r?.[f]) ? r[f] : [])));

/** Whether two rule lists are the same (order counts, as upstream compares them). */
export function sameRules(a: readonly Obj[] | undefined, b: readonly Obj[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => ruleKey(r) === ruleKey(y[i]!));
}

/**
 * The rules `role` aggregates: per selector in order, the matching ClusterRoles sorted by
 * name (itself excluded), their rules in order, each rule once. undefined when `role` has no
 * aggregationRule (nothing to manage).
 */
export function aggregatedRules(role: Obj, all: readonly Obj[]): Obj[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!Array.isArray(selectors)) return undefined;
  const out: Obj[] = [];
  const seen = new Set<string>();
  const byName = [...all].sort((a, b) => (a.metadata?.name < b.metadata?.name ? -1 : a.metadata?.name > b.metadata?.name ? 1 : 0));
  for (const selector of selectors) {
    for (const other of byName) {
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
