// Whether one set of RBAC rules covers another (upstream component-helpers
// auth/rbac/validation Covers): what the escalation check asks of a user who writes a Role,
// ClusterRole or binding. The requested rules are broken down into atoms (one group,
// resource, verb and name, or one URL and verb); each atom must be covered by a single rule
// the user holds. Also the compact rendering of what is missing, in upstream's words.
import type { PolicyRule } from './rbac.js';

const has = (set: readonly string[] | undefined, v: string) => !!set && set.includes(v);
const hasAll = (set: readonly string[] | undefined, want: readonly string[] | undefined) => (want ?? []).every((v) => has(set, v));

/** A rule as atoms: at most one verb, group, resource and resourceName, or one URL and verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  // Non-resource URLs combine only with verbs.
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf('/');
    // `*/status` covers the status subresource of every resource; nothing covers a plain resource but itself.
    return slash >= 0 && has(owner, `*/${path.slice(slash + 1)}`);
  });
}

const urlCovers = (owner: string, path: string) => owner === path || (owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, '')));

/** Whether `owner` (any shape) covers the atom `sub` (from breakdownRule). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, p)));
  const names = sub.resourceNames?.length ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames) : !owner.resourceNames?.length;
  return verbs && groups && resources && urls && names;
}

/** Whether `owner` covers every atom of `wanted`; the atoms it does not cover. */
export function covers(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = wanted.flatMap(breakdownRule).filter((atom) => !owner.some((o) => ruleCovers(o, atom)));
  return { covered: missing.length === 0, missing };
}

/**
 * Upstream CompactRules: atoms that differ only by verb (one group, one resource, at most one
 * name, no URLs) are merged into one rule with all their verbs.
 */
function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) { out.push(r); continue; }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const known = simple.get(key);
    if (known) known.verbs = [...known.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a string (strconv.Quote) for the printable strings rules hold. */
export const goQuote = (s: string) => JSON.stringify(s);
/** Go's %q of a []string: ["a" "b"]. */
export const goQuoteList = (list: readonly string[]) => `[${list.map(goQuote).join(' ')}]`;

/** Upstream CompactString: {APIGroups:[""], Resources:["secrets"], Verbs:["*"]}, empty fields left out. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** The missing rules as upstream lists them: compacted, one per line, sorted and without repeats. */
export function describeMissing(missing: readonly PolicyRule[]): string {
  return [...new Set(compactRules(missing).map(compactString))].sort().join('\n');
}
