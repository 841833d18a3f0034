// CronJob (upstream batch validateCronJobSpec): schedule and timeZone, counts, the
// concurrency policy, and the job template checked as a Job spec whose selector is generated.
import { type Errs, invalid, isOneOf, notSupported, required } from './field.js';
import { nonNegative } from './common.js';
import { scheduleProblem, timeZoneProblem } from './cron.js';
import { validateWorkload } from './workload.js';
import { isObject, type JsonObject } from '../types.js';

const POLICIES = ['Allow', 'Forbid', 'Replace'];
// The controller names each Job `<cronjob>-<11 characters>`, and Job names are DNS-1035 labels (63).
const MAX_NAME = 52;

function schedule(errs: Errs, s: JsonObject, old: JsonObject | undefined): void {
  const f = 'spec.schedule';
  if (s.schedule == null || s.schedule === '') return void errs.push(required(f));
  const text = s.schedule;
  if (typeof text !== 'string') return void errs.push(invalid(f, text, 'must be a string'));
  const problem = scheduleProblem(text);
  if (problem) errs.push(invalid(f, text, problem));
  // A TZ prefix stored before spec.timeZone existed stays allowed on update, but not beside it.
  const oldHadTz = isObject(old) && typeof old.schedule === 'string' && old.schedule.includes('TZ');
  if (!text.includes('TZ')) return;
  if (!oldHadTz) errs.push(invalid(f, text, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else if (s.timeZone != null) errs.push(invalid(f, text, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
}

/** A CronJob; `old` is the stored object on update (the name limit then no longer applies). */
export function validateCronJob(errs: Errs, o: JsonObject, old?: JsonObject): void {
  const s = o.spec;
  if (!old && isObject(o.metadata) && typeof o.metadata.name === 'string' && o.metadata.name.length > MAX_NAME) {
    errs.push(invalid('metadata.name', o.metadata.name, `must be no more than ${MAX_NAME} characters`));
  }
  if (!isObject(s)) return void errs.push(required('spec'));
  const oldSpec = isObject(old) && isObject(old.spec) ? old.spec : undefined;
  schedule(errs, s, oldSpec);
  nonNegative(errs, 'spec.startingDeadlineSeconds', s.startingDeadlineSeconds);
  // An unchanged zone is not checked again: the tz database may have dropped it meanwhile.
  if (s.timeZone != null && (!oldSpec || oldSpec.timeZone !== s.timeZone)) {
    const problem = typeof s.timeZone === 'string' ? timeZoneProblem(s.timeZone) : 'must be a string';
    if (problem) errs.push(invalid('spec.timeZone', s.timeZone, problem));
  }
  if (s.concurrencyPolicy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (s.concurrencyPolicy != null && !isOneOf(s.concurrencyPolicy, POLICIES)) errs.push(notSupported('spec.concurrencyPolicy', s.concurrencyPolicy, POLICIES));
  jobTemplate(errs, s.jobTemplate);
  nonNegative(errs, 'spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit);
  nonNegative(errs, 'spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit);
}

function jobTemplate(errs: Errs, t: unknown): void {
  const jt = isObject(t) ? t.spec : undefined;
  if (!isObject(jt)) return void errs.push(required('spec.jobTemplate.spec'));
  const inner: Errs = [];
  // The selector is checked below as upstream does; the rest as a Job's spec.
  const { selector, ...rest } = jt;
  validateWorkload(inner, 'Job', { spec: rest }, undefined, ['OnFailure', 'Never']);
  for (const e of inner) errs.push({ ...e, field: e.field?.replace(/^spec\./, 'spec.jobTemplate.spec.') });
  if (selector != null) errs.push(invalid('spec.jobTemplate.spec.selector', selector, '`selector` will be auto-generated'));
  if (jt.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
}
