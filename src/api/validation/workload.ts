// Workloads (upstream apps and batch validation): the selector/template match, counts, rollout
// strategies, and the fields that are immutable once created.
import { type Errs, forbidden, immutable, invalid, isInt, isOneOf, type Keys, notSupported, required } from './field.js';
import { intOrPercent, intOrPercentValue, labelSelector, nonNegative } from './common.js';
import { sameJson, validatePodSpec } from './pod.js';
import { validateJobSpec } from './job.js';
import { isObject, type JobSpec, type JsonObject, type StatefulSetPersistentVolumeClaimRetentionPolicy } from '../types.js';
import { ownValue } from '../../own-keys.js';

export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job';

function validateSelector(errs: Errs, kind: WorkloadKind, field: string, selector: unknown): boolean {
  if (!isObject(selector)) return errs.push(required(field)), false;
  const ml = selector.matchLabels;
  const me = selector.matchExpressions;
  if ((!isObject(ml) || Object.keys(ml).length === 0) && (!Array.isArray(me) || me.length === 0)) {
    // (upstream's ReplicaSet check says "deployment" too)
    const what = kind === 'StatefulSet' || kind === 'DaemonSet' ? kind.toLowerCase() : 'deployment';
    errs.push(invalid(field, selector, `empty selector is invalid for ${what}`));
    return false;
  }
  const before = errs.length;
  labelSelector(errs, field, selector);
  return errs.length === before;
}

/**
 * Whether a LabelSelector selects a label set (matchLabels and matchExpressions); an empty
 * selector selects everything, an operator validation refuses selects nothing (upstream's
 * LabelSelectorAsSelector fails on it).
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, unknown>> | undefined): boolean {
  // Keys are the request's: own labels only (`constructor` is not a label of every object).
  const label = (k: unknown): unknown => (typeof k === 'string' && labels ? ownValue(labels, k) : undefined);
  const has = (k: unknown): boolean => typeof k === 'string' && !!labels && Object.hasOwn(labels, k);
  const sel = isObject(selector) ? selector : {};
  for (const [k, v] of Object.entries(isObject(sel.matchLabels) ? sel.matchLabels : {})) if (!has(k) || label(k) !== v) return false;
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const expr = isObject(e) ? e : {};
    const present = has(expr.key);
    const values: unknown[] = Array.isArray(expr.values) ? expr.values : [];
    switch (expr.operator) {
      case 'In': if (!present || !values.includes(label(expr.key))) return false; break;
      case 'NotIn': if (present && values.includes(label(expr.key))) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: return false;
    }
  }
  return true;
}

function deploymentStrategy(errs: Errs, s: JsonObject): void {
  const st = s.strategy;
  if (!isObject(st)) return;
  const types = ['Recreate', 'RollingUpdate'];
  if (st.type !== undefined && !isOneOf(st.type, types)) errs.push(notSupported('spec.strategy.type', st.type, types));
  if (st.type === 'Recreate' && st.rollingUpdate != null) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  const ru = st.rollingUpdate;
  if (st.type !== 'RollingUpdate' || !isObject(ru)) return;
  intOrPercent(errs, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
  intOrPercent(errs, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge, false);
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
}

function daemonSetStrategy(errs: Errs, s: JsonObject): void {
  const st = s.updateStrategy;
  if (!isObject(st) || st.type === undefined) return;
  if (st.type === 'OnDelete') return;
  if (st.type !== 'RollingUpdate') return void errs.push(notSupported('spec.updateStrategy', st.type, ['RollingUpdate', 'OnDelete']));
  const ru = st.rollingUpdate;
  if (!isObject(ru)) return;
  const f = 'spec.updateStrategy.rollingUpdate';
  intOrPercent(errs, `${f}.maxUnavailable`, ru.maxUnavailable);
  intOrPercent(errs, `${f}.maxSurge`, ru.maxSurge);
  const unavailable = (intOrPercentValue(ru.maxUnavailable) ?? 0) !== 0;
  const surge = (intOrPercentValue(ru.maxSurge) ?? 0) !== 0;
  if (unavailable && surge) errs.push(invalid(`${f}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!unavailable && !surge) errs.push(required(`${f}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
}

function statefulSetSpec(errs: Errs, s: JsonObject): void {
  const policies = ['OrderedReady', 'Parallel'];
  if (s.podManagementPolicy !== undefined && !isOneOf(s.podManagementPolicy, policies)) {
    errs.push(invalid('spec.podManagementPolicy', s.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const st = s.updateStrategy;
  if (isObject(st) && st.type !== undefined) {
    if (st.type === 'OnDelete' && st.rollingUpdate != null) errs.push(invalid('spec.updateStrategy.rollingUpdate', st.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    else if (st.type !== 'OnDelete' && st.type !== 'RollingUpdate') errs.push(invalid('spec.updateStrategy', st, "must be 'RollingUpdate' or 'OnDelete'"));
    const ru = st.rollingUpdate;
    if (isObject(ru)) {
      nonNegative(errs, 'spec.updateStrategy.rollingUpdate.partition', ru.partition);
      if (ru.maxUnavailable != null) {
        intOrPercent(errs, 'spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
      }
    }
  }
  if (isObject(s.ordinals)) nonNegative(errs, 'spec.ordinals.start', s.ordinals.start);
  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (isObject(retention)) {
    for (const k of ['whenDeleted', 'whenScaled'] as const satisfies Keys<StatefulSetPersistentVolumeClaimRetentionPolicy>) {
      const policy = retention[k];
      if (policy != null && !isOneOf(policy, ['Retain', 'Delete'])) errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, policy, ['Retain', 'Delete']));
    }
  }
}

/**
 * A workload's spec; `old` is the stored object on update. The pod template's restartPolicy
 * must be one of `allowedRestart` (Always for apps, OnFailure|Never for jobs).
 */
export function validateWorkload(errs: Errs, kind: WorkloadKind, o: JsonObject, old: JsonObject | undefined, allowedRestart: string[]): void {
  const s = o.spec;
  if (!isObject(s)) return void errs.push(required('spec'));
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'parallelism', 'completions', 'backoffLimit'] as const) {
    nonNegative(errs, `spec.${f}`, s[f]);
  }
  if (kind === 'Deployment' && isInt(s.progressDeadlineSeconds) && isInt(s.minReadySeconds) && s.progressDeadlineSeconds <= s.minReadySeconds) {
    errs.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  const hasSelector = kind === 'Job' && s.selector === undefined ? false : validateSelector(errs, kind, 'spec.selector', s.selector);
  const t = s.template;
  if (!isObject(t)) return void errs.push(required('spec.template'));
  const labels = isObject(t.metadata) && isObject(t.metadata.labels) ? t.metadata.labels : {};
  if (hasSelector && !selectorMatches(s.selector, labels)) errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  validatePodSpec(errs, 'spec.template.spec', t.spec);
  // (a Job's restartPolicy is checked with its podFailurePolicy, in job.ts)
  if (kind !== 'Job' && isObject(t.spec) && t.spec.restartPolicy !== undefined && !isOneOf(t.spec.restartPolicy, allowedRestart)) {
    errs.push(notSupported('spec.template.spec.restartPolicy', t.spec.restartPolicy, allowedRestart));
  }
  if (kind !== 'Job' && isObject(t.spec) && t.spec.activeDeadlineSeconds != null) {
    const owner = kind === 'Deployment' ? 'ReplicaSet' : kind;
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  if (kind === 'Deployment') deploymentStrategy(errs, s);
  if (kind === 'DaemonSet') daemonSetStrategy(errs, s);
  if (kind === 'StatefulSet') statefulSetSpec(errs, s);
  if (kind === 'Job') validateJobSpec(errs, s);
  if (old && isObject(old.spec)) validateWorkloadUpdate(errs, kind, s, old.spec);
}

function validateWorkloadUpdate(errs: Errs, kind: WorkloadKind, s: JsonObject, old: JsonObject): void {
  // apps/v1 and batch/v1 selectors are immutable once created.
  if (old.selector !== undefined && !sameJson(s.selector, old.selector)) errs.push(immutable('spec.selector', s.selector));
  // (not checked against StatefulSetSpec: the generated type lacks volumeClaimTemplates)
  if (kind === 'StatefulSet' && (['serviceName', 'podManagementPolicy', 'volumeClaimTemplates'] as const).some((f) => !sameJson(s[f], old[f]))) {
    errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  if (kind === 'Job') {
    if (!sameJson(s.template, old.template)) errs.push(immutable('spec.template', s.template));
    if (old.completionMode !== undefined && s.completionMode !== old.completionMode) errs.push(immutable('spec.completionMode', s.completionMode));
    for (const f of ['podFailurePolicy', 'backoffLimitPerIndex', 'successPolicy', 'managedBy'] as const satisfies Keys<JobSpec>) if (!sameJson(s[f], old[f])) errs.push(immutable(`spec.${f}`, s[f]));
    // Elastic indexed jobs may scale completions together with parallelism.
    const elastic = s.completionMode === 'Indexed' && s.completions === s.parallelism && old.completions === old.parallelism;
    if (old.completions != null && s.completions !== old.completions && !elastic) errs.push(immutable('spec.completions', s.completions));
  }
}
