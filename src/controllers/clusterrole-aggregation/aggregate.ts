// The pure half of the ClusterRole aggregation controller (upstream
// pkg/controller/clusterroleaggregation): the rules a ClusterRole with an aggregationRule
// should carry, given every ClusterRole there is.
export type Obj = Record<string, any>;

/** A metav1.LabelSelector against labels; keys are own properties only (labels come from users). */
export function labelSelectorMatches(selector: Obj | undefined, labels: Record<string, string> | undefined): boolean {
  const own = (k: string) => !!labels && Object.hasOwn(labels, k);
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (!own(k) || labels![k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = own(e.key);
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels![e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels![e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false; // validation refuses other operators; match nothing rather than everything
    }
  }
  return true;
}

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
      if (other.metadata?.name === role.metadata?.name || !labelSelectorMatches(selector, other.metadata?.labels)) continue;
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
