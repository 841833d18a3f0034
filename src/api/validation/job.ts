// Job-only spec rules (upstream batch validateJobSpec): completion mode and the per-index
// backoff fields, podFailurePolicy, podReplacementPolicy and the template's restartPolicy.
import { type Errs, type FieldCause, duplicate, invalid, isInt, isOneOf, type Keys, notSupported, qualifiedNameProblems, required } from './field.js';
import { nonNegative } from './common.js';
import { isObject, type JobSpec, type JsonObject, type PodSpec } from '../types.js';

const MAX_RULES = 20;
const MAX_EXIT_CODES = 255;
const MAX_CONDITION_PATTERNS = 20;
const MAX_INDEXED_PARALLELISM = 100_000;
const MAX_FAILED_INDEXES = 100_000;
const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const REPLACEMENT = ['Failed', 'TerminatingOrFailed'];
const RESTART = ['OnFailure', 'Never'];

// Go's %q of a []string, as upstream's "valid values: ..." details print their sets.
const goList = (vs: string[]) => `[${vs.map((v) => JSON.stringify(v)).join(' ')}]`;
const tooMany = (field: string, actual: number, max: number): FieldCause =>
  ({ reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field });
// field.Invalid with OmitValueType: the message carries no value.
const invalidNoValue = (field: string, detail: string): FieldCause => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${detail}`, field });
const int32s = (vs: unknown[]) => `[]int32{${vs.join(', ')}}`;

function onExitCodes(errs: Errs, f: string, r: JsonObject, containers: ReadonlySet<unknown>): void {
  if (r.operator == null || r.operator === '') errs.push(required(`${f}.operator`, `valid values: ${goList(OPERATORS)}`));
  else if (!isOneOf(r.operator, OPERATORS)) errs.push(notSupported(`${f}.operator`, r.operator, OPERATORS));
  if (r.containerName != null && !containers.has(r.containerName)) {
    errs.push(invalid(`${f}.containerName`, r.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const values: unknown[] = Array.isArray(r.values) ? r.values : [];
  if (values.length === 0) errs.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${int32s(values)}: at least one value is required`, field: `${f}.values` });
  else if (values.length > MAX_EXIT_CODES) errs.push(tooMany(`${f}.values`, values.length, MAX_EXIT_CODES));
  const seen = new Set<unknown>();
  let ordered = true;
  values.forEach((v, j) => {
    if (r.operator === 'In' && v === 0) errs.push(invalid(`${f}.values[${j}]`, 0, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(duplicate(`${f}.values[${j}]`, v));
    seen.add(v);
    if (j > 0 && (values[j - 1] as number) > (v as number)) ordered = false;
  });
  if (!ordered) errs.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${int32s(values)}: must be ordered`, field: `${f}.values` });
}

function onPodConditions(errs: Errs, f: string, patterns: readonly unknown[]): void {
  if (patterns.length > MAX_CONDITION_PATTERNS) errs.push(tooMany(f, patterns.length, MAX_CONDITION_PATTERNS));
  patterns.forEach((p, j) => {
    const pf = `${f}[${j}]`;
    const type = isObject(p) && typeof p.type === 'string' ? p.type : '';
    for (const m of qualifiedNameProblems(type)) errs.push(invalid(`${pf}.type`, type, m));
    // Upstream's defaulter makes an absent or empty status True, so that is never missing.
    const status = isObject(p) ? p.status : undefined;
    if (status != null && status !== '' && !isOneOf(status, CONDITION_STATUSES)) errs.push(notSupported(`${pf}.status`, status, CONDITION_STATUSES));
  });
}

function podFailurePolicy(errs: Errs, s: JsonObject): void {
  const rules: unknown[] = isObject(s.podFailurePolicy) && Array.isArray(s.podFailurePolicy.rules) ? s.podFailurePolicy.rules : [];
  const f = 'spec.podFailurePolicy.rules';
  if (rules.length > MAX_RULES) errs.push(tooMany(f, rules.length, MAX_RULES));
  const pod = isObject(s.template) && isObject(s.template.spec) ? s.template.spec : {};
  // Names as the body gives them (a rule's containerName is compared with them as is).
  const containers = new Set<unknown>();
  for (const list of ['containers', 'initContainers'] as const satisfies Keys<PodSpec>) {
    const cs = pod[list];
    if (Array.isArray(cs)) for (const c of cs) if (isObject(c)) containers.add(c.name);
  }
  rules.forEach((rule, i) => {
    const rf = `${f}[${i}]`;
    if (!isObject(rule)) return;
    if (rule.action == null || rule.action === '') errs.push(required(`${rf}.action`, `valid values: ${goList(ACTIONS)}`));
    else if (rule.action === 'FailIndex') {
      if (s.backoffLimitPerIndex == null) errs.push(invalid(`${rf}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!isOneOf(rule.action, ACTIONS)) errs.push(notSupported(`${rf}.action`, rule.action, ACTIONS));
    const exit = rule.onExitCodes != null;
    const patterns = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
    const conditions = patterns.length > 0;
    if (exit) onExitCodes(errs, `${rf}.onExitCodes`, isObject(rule.onExitCodes) ? rule.onExitCodes : {}, containers);
    if (conditions) onPodConditions(errs, `${rf}.onPodConditions`, patterns);
    if (exit && conditions) errs.push(invalidNoValue(rf, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!exit && !conditions) errs.push(invalidNoValue(rf, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
}

function indexed(errs: Errs, s: JsonObject): void {
  nonNegative(errs, 'spec.backoffLimitPerIndex', s.backoffLimitPerIndex);
  nonNegative(errs, 'spec.maxFailedIndexes', s.maxFailedIndexes);
  if (s.maxFailedIndexes != null && s.backoffLimitPerIndex == null) errs.push(required('spec.backoffLimitPerIndex', 'when maxFailedIndexes is specified'));
  if (s.completionMode === 'Indexed') {
    if (s.completions == null) errs.push(required('spec.completions', 'when completion mode is Indexed'));
    if (isInt(s.parallelism) && s.parallelism > MAX_INDEXED_PARALLELISM) {
      errs.push(invalid('spec.parallelism', s.parallelism, `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`));
    }
    if (isInt(s.completions) && isInt(s.maxFailedIndexes) && s.maxFailedIndexes > s.completions) errs.push(invalid('spec.maxFailedIndexes', s.maxFailedIndexes, 'must be less than or equal to completions'));
    if (isInt(s.maxFailedIndexes) && s.maxFailedIndexes > MAX_FAILED_INDEXES) errs.push(invalid('spec.maxFailedIndexes', s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
    return;
  }
  // NonIndexed, the default.
  for (const k of ['backoffLimitPerIndex', 'maxFailedIndexes', 'successPolicy'] as const satisfies Keys<JobSpec>) {
    if (s[k] != null) errs.push(invalid(`spec.${k}`, s[k], 'requires indexed completion mode'));
  }
}

/** The Job-only rules of a Job's spec `s` (also a CronJob's job template spec, re-rooted by the caller). */
export function validateJobSpec(errs: Errs, s: JsonObject): void {
  const modes = ['NonIndexed', 'Indexed'];
  if (s.completionMode != null && !isOneOf(s.completionMode, modes)) errs.push(notSupported('spec.completionMode', s.completionMode, modes));
  for (const f of ['activeDeadlineSeconds', 'ttlSecondsAfterFinished'] as const satisfies Keys<JobSpec>) nonNegative(errs, `spec.${f}`, s[f]);
  if (isInt(s.activeDeadlineSeconds) && s.activeDeadlineSeconds === 0) errs.push(invalid('spec.activeDeadlineSeconds', 0, 'must be greater than 0'));
  indexed(errs, s);
  if (s.podFailurePolicy != null) podFailurePolicy(errs, s);
  const replacement = s.podReplacementPolicy;
  if (replacement != null) {
    if (s.podFailurePolicy != null) {
      if (replacement !== 'Failed') errs.push(notSupported('spec.podReplacementPolicy', replacement, ['Failed']));
    } else if (!isOneOf(replacement, REPLACEMENT)) errs.push(notSupported('spec.podReplacementPolicy', replacement, REPLACEMENT));
  }
  // Absent is what the pod defaulter makes Always, so it is refused like Always.
  const restart = isObject(s.template) && isObject(s.template.spec) ? s.template.spec.restartPolicy : undefined;
  const f = 'spec.template.spec.restartPolicy';
  if (!isObject(s.template) || !isObject(s.template.spec)) return;
  if (restart == null || restart === '' || restart === 'Always') errs.push(required(f, `valid values: "OnFailure", "Never"`));
  else if (!isOneOf(restart, RESTART)) errs.push(notSupported(f, restart, RESTART));
  else if (s.podFailurePolicy != null && restart !== 'Never') errs.push(invalid(f, restart, 'only "Never" is supported when podFailurePolicy is specified'));
}
