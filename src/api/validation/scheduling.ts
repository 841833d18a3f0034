// Where a pod may run: tolerations, node affinity and pod (anti-)affinity, as upstream core
// ValidateTolerations and validateAffinity word them.
import { type Errs, duplicate, forbidden, invalid, isInt, isOneOf, type Keys, labelValueProblems, notSupported, qualifiedNameProblems, required } from './field.js';
import { labelSelector } from './common.js';
import { isObject, type TopologySpreadConstraint } from '../types.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const TOLERATION_OPS = ['Equal', 'Exists'];

export function validateTolerations(errs: Errs, field: string, tolerations: unknown): void {
  if (!Array.isArray(tolerations)) return;
  tolerations.forEach((t, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(t)) return;
    const key = typeof t.key === 'string' ? t.key : '';
    if (key) for (const m of qualifiedNameProblems(key)) errs.push(invalid(`${f}.key`, key, m));
    if (!key && t.operator !== 'Exists') {
      errs.push(invalid(`${f}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') errs.push(invalid(`${f}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    const value = typeof t.value === 'string' ? t.value : '';
    if (t.operator === undefined || t.operator === '' || t.operator === 'Equal') {
      const problems = labelValueProblems(value);
      if (problems.length) errs.push(invalid(`${f}.operator`, value, problems.join(';')));
    } else if (t.operator === 'Exists') {
      if (value) errs.push(invalid(`${f}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(`${f}.operator`, t.operator, TOLERATION_OPS));
    if (t.effect !== undefined && t.effect !== '' && !isOneOf(t.effect, EFFECTS)) errs.push(notSupported(`${f}.effect`, t.effect, EFFECTS));
  });
}

function nodeSelectorRequirements(errs: Errs, field: string, reqs: unknown): void {
  if (!Array.isArray(reqs)) return;
  reqs.forEach((r, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(r)) return;
    const values = Array.isArray(r.values) ? r.values : [];
    switch (r.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) errs.push(required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${f}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      case 'Gt': case 'Lt':
        if (values.length !== 1) errs.push(required(`${f}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
        break;
      default:
        errs.push(invalid(`${f}.operator`, r.operator ?? '', 'not a valid selector operator'));
    }
    if (typeof r.key === 'string') for (const m of qualifiedNameProblems(r.key)) errs.push(invalid(`${f}.key`, r.key, m));
  });
}

function nodeSelectorTerm(errs: Errs, field: string, term: unknown): void {
  if (!isObject(term)) return;
  nodeSelectorRequirements(errs, `${field}.matchExpressions`, term.matchExpressions);
  nodeSelectorRequirements(errs, `${field}.matchFields`, term.matchFields);
}

const weight = (errs: Errs, f: string, w: unknown) => {
  if (!isInt(w) || w < 1 || w > 100) errs.push(invalid(f, w ?? 0, 'must be in the range 1-100'));
};

function podAffinityTerm(errs: Errs, field: string, term: unknown): void {
  if (!isObject(term)) return;
  labelSelector(errs, `${field}.labelSelector`, term.labelSelector);
  labelSelector(errs, `${field}.namespaceSelector`, term.namespaceSelector);
  if (!term.topologyKey) errs.push(required(`${field}.topologyKey`, 'can not be empty'));
  else for (const m of qualifiedNameProblems(String(term.topologyKey))) errs.push(invalid(`${field}.topologyKey`, term.topologyKey, m));
}

function podAffinity(errs: Errs, field: string, a: unknown): void {
  if (!isObject(a)) return;
  const req = a.requiredDuringSchedulingIgnoredDuringExecution;
  if (Array.isArray(req)) req.forEach((t: unknown, i: number) => podAffinityTerm(errs, `${field}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, t));
  const pref = a.preferredDuringSchedulingIgnoredDuringExecution;
  if (Array.isArray(pref)) pref.forEach((t, i) => {
    const f = `${field}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    if (!isObject(t)) return;
    weight(errs, `${f}.weight`, t.weight);
    podAffinityTerm(errs, `${f}.podAffinityTerm`, t.podAffinityTerm);
  });
}

export function validateAffinity(errs: Errs, field: string, affinity: unknown): void {
  if (!isObject(affinity)) return;
  const na = affinity.nodeAffinity;
  if (isObject(na)) {
    const f = `${field}.nodeAffinity`;
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (isObject(req)) {
      const terms = req.nodeSelectorTerms;
      if (!Array.isArray(terms) || terms.length === 0) errs.push(required(`${f}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, 'must have at least one node selector term'));
      else terms.forEach((t: unknown, i: number) => nodeSelectorTerm(errs, `${f}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`, t));
    }
    const pref = na.preferredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(pref)) pref.forEach((t, i) => {
      const pf = `${f}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!isObject(t)) return;
      weight(errs, `${pf}.weight`, t.weight);
      nodeSelectorTerm(errs, `${pf}.preference`, t.preference);
    });
  }
  podAffinity(errs, `${field}.podAffinity`, affinity.podAffinity);
  podAffinity(errs, `${field}.podAntiAffinity`, affinity.podAntiAffinity);
}

const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];
const INCLUSION_POLICIES = ['Honor', 'Ignore'];
const NOT_POSITIVE = 'must be greater than zero';

/** topologySpreadConstraints as upstream core validateTopologySpreadConstraints; absent fields count as their zero values, as upstream's types have them. */
export function validateTopologySpreadConstraints(errs: Errs, field: string, constraints: unknown): void {
  if (!Array.isArray(constraints)) return;
  constraints.forEach((c, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(c)) return;
    const maxSkew = c.maxSkew ?? 0;
    if (!isInt(maxSkew) || maxSkew <= 0) errs.push(invalid(`${f}.maxSkew`, maxSkew, NOT_POSITIVE));
    if (!c.topologyKey) errs.push(required(`${f}.topologyKey`, 'can not be empty'));
    const when = c.whenUnsatisfiable ?? '';
    if (!isOneOf(when, WHEN_UNSATISFIABLE)) errs.push(notSupported(`${f}.whenUnsatisfiable`, when, WHEN_UNSATISFIABLE));
    // Reported once, on the first of a repeated {topologyKey, whenUnsatisfiable} pair.
    const repeated = constraints.slice(i + 1).some((o) => isObject(o) && (o.topologyKey ?? '') === (c.topologyKey ?? '') && (o.whenUnsatisfiable ?? '') === when);
    if (repeated) errs.push(duplicate(`${f}.{topologyKey, whenUnsatisfiable}`, `{${c.topologyKey ?? ''}, ${when}}`));
    if (c.minDomains != null) {
      if (!isInt(c.minDomains) || c.minDomains <= 0) errs.push(invalid(`${f}.minDomains`, c.minDomains, NOT_POSITIVE));
      if (when !== 'DoNotSchedule') errs.push(invalid(`${f}.minDomains`, c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
    }
    for (const k of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const satisfies Keys<TopologySpreadConstraint>) {
      const policy = c[k];
      if (policy != null && !isOneOf(policy, INCLUSION_POLICIES)) errs.push(notSupported(`${f}.${k}`, policy, INCLUSION_POLICIES));
    }
    if (Array.isArray(c.matchLabelKeys)) {
      const sel = isObject(c.labelSelector) ? c.labelSelector : {};
      const selectorKeys = new Set([...Object.keys(isObject(sel.matchLabels) ? sel.matchLabels : {}), ...(Array.isArray(sel.matchExpressions) ? sel.matchExpressions.map((e) => (isObject(e) ? e.key : undefined)) : [])]);
      c.matchLabelKeys.forEach((k: unknown, j: number) => {
        const key = String(k);
        for (const m of qualifiedNameProblems(key)) errs.push(invalid(`${f}.matchLabelKeys[${j}]`, key, m));
        if (selectorKeys.has(key)) errs.push(invalid(`${f}.matchLabelKeys[${j}]`, key, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    labelSelector(errs, `${f}.labelSelector`, c.labelSelector);
  });
}
