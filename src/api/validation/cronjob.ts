// CronJob (upstream batch validateCronJobSpec): schedule and timeZone, counts, the
// concurrency policy, and the job template checked as a Job spec whose selector is generated.
import { type Errs, invalid, isObj, notSupported, required } from './field.js';
import { nonNegative } from './common.js';
import { scheduleProblem, timeZoneProblem } from './cron.js';
import { validateWorkload } from './workload.js';

const POLICIES = ['Allow', 'Forbid', 'Replace'];
// The controller names each Job `<cronjob>-<11 characters>`, and Job names are DNS-1035 labels (63).
const MAX_NAME = 52;

function schedule(errs: Errs, s: any, old: any): void {
  const f = 'spec.schedule';
  if (s.schedule == null || s.schedule === '') return void errs.push(required(f));
  if (typeof s.schedule !== 'string') return void errs.push(invalid(f, s.schedule, 'must be a string'));
  const problem = scheduleProblem(s.schedule);
  if (problem) errs.push(invalid(f, s.schedule, problem));
  // A TZ prefix stored before spec.timeZone existed stays allowed on update, but not beside it.
  const oldHadTz = isObj(old) && typeof old.schedule === 'string' && old.schedule.includes('TZ');
  if (!s.schedule.includes('TZ')) return;
  if (!oldHadTz) errs.push(invalid(f, s.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else if (s.timeZone != null) errs.push(invalid(f, s.schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
}

/** A CronJob; `old` is the stored object on update (the name limit then no longer applies). */
export function validateCronJob(errs: Errs, o: any, old?: any): void {
  const s = o.spec;
  if (!old && isObj(o.metadata) && typeof o.metadata.name === 'string' && o.metadata.name.length > MAX_NAME) {
    errs.push(invalid('metadata.name', o.metadata.name, `must be no more than ${MAX_NAME} characters`));
  }
  if (!isObj(s)) return void errs.push(required('spec'));
  const oldSpec = isObj(old) && isObj(old.spec) ? old.spec : undefined;
  schedule(errs, s, oldSpec);
  nonNegative(errs, 'spec.startingDeadlineSeconds', s.startingDeadlineSeconds);
  // An unchanged zone is not checked again: the tz database may have dropped it meanwhile.
  if (s.timeZone != null && (!oldSpec || oldSpec.timeZone !== s.timeZone)) {
    const problem = typeof s.timeZone === 'string' ? timeZoneProblem(s.timeZone) : 'must be a string';
    if (problem) errs.push(invalid('spec.timeZone', s.timeZone, problem));
  }
  if (s.concurrencyPolicy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (s.concurrencyPolicy != null && !POLICIES.includes(s.concurrencyPolicy)) errs.push(notSupported('spec.concurrencyPolicy', s.concurrencyPolicy, POLICIES));
  jobTemplate(errs, s.jobTemplate);
  nonNegative(errs, 'spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit);
  nonNegative(errs, 'spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit);
}

function jobTemplate(errs: Errs, t: unknown): void {
  const jt = isObj(t) ? t.spec : undefined;
  if (!isObj(jt)) return void errs.push(required('spec.jobTemplate.spec'));
  const inner: Errs = [];
  // The selector is checked below as upstream does; the rest as a Job's spec.
  const { selector, ...rest } = jt;
  validateWorkload(inner, 'Job', { spec: rest }, undefined, ['OnFailure', 'Never']);
  for (const e of inner) errs.push({ ...e, field: e.field?.replace(/^spec\./, 'spec.jobTemplate.spec.') });
  if (selector != null) errs.push(invalid('spec.jobTemplate.spec.selector', selector, '`selector` will be auto-generated'));
  if (jt.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
}
