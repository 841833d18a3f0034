import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { scheduleProblem } from '../../../src/api/validation/cron.js';

const CJ = { group: 'batch', version: 'v1', kind: 'CronJob' };
const jobTemplate = (spec: object = {}) => ({ spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec } });
const cronJob = (spec: object, name = 'cj') => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '*/5 * * * *', jobTemplate: jobTemplate(), ...spec } });
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const causes = (spec: object, old?: object) => shape(validateObject(CJ, cronJob(spec), old));

test('what kubectl create cronjob sends, defaulted, and the schedules robfig/cron accepts are valid', (t) => {
  // kubectl create cronjob cj --image=busybox --schedule='*/5 * * * *'
  const sent = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { name: 'cj' }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'cj', image: 'busybox', resources: {} }], restartPolicy: 'OnFailure' } } } } }, status: {} };
  defaultObject(CJ, sent);
  t.deepEqual(validateObject(CJ, sent), []);
  for (const schedule of ['0 0 * * *', '*/15 9-17 * * MON-FRI', '0 0 1 jan,JUL ?', '5,10-20/5 */2 1-31/3 * sun', '0 12 * * 0-6', '1,,2 * * * *',
    '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '@every 90s', '@every 1.5h']) {
    t.deepEqual(causes({ schedule }), [], schedule);
  }
  t.deepEqual(causes({ schedule: '0 3 * * *', timeZone: 'Europe/Paris', startingDeadlineSeconds: 0, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0, concurrencyPolicy: 'Forbid' }), []);
  t.deepEqual(causes({ timeZone: 'Etc/UTC' }), []);
});

test('schedules robfig/cron refuses, in its words', (t) => {
  const refused: [string, string][] = [
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['0 0 * * funday', 'failed to parse int from funday: strconv.Atoi: parsing "funday": invalid syntax'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every 5x', 'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"'],
    ['@every ', 'failed to parse duration @every : time: invalid duration ""'],
  ];
  for (const [schedule, message] of refused) t.deepEqual(causes({ schedule }), [['spec.schedule', `Invalid value: ${JSON.stringify(schedule)}: ${message}`]], schedule);
  t.deepEqual(causes({ schedule: '' }), [['spec.schedule', 'Required value']]);
  t.is(scheduleProblem('TZ=Nowhere/Land 0 * * * *'), 'provided bad location Nowhere/Land: unknown time zone Nowhere/Land');
});

test('a TZ prefix is refused for spec.timeZone, but one already stored may stay when no timeZone is added', (t) => {
  t.deepEqual(causes({ schedule: 'CRON_TZ=UTC 0 * * * *' }), [['spec.schedule', 'Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']]);
  const stored = cronJob({ schedule: 'TZ=UTC 0 * * * *' });
  t.deepEqual(causes({ schedule: 'TZ=UTC 0 * * * *', suspend: true }, stored), []);
  t.deepEqual(causes({ schedule: 'TZ=UTC 0 * * * *', timeZone: 'UTC' }, stored), [['spec.schedule', 'Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']]);
  t.deepEqual(causes({ schedule: 'TZ=UTC 0 * * * *' }, cronJob({})).map((c) => c[1]), ['Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
});

test('spec.timeZone must be a known IANA zone, checked again only when it changes', (t) => {
  t.deepEqual(causes({ timeZone: 'Europe/Pariss' }), [['spec.timeZone', 'Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss']]);
  t.deepEqual(causes({ timeZone: 'europe/paris' }), [['spec.timeZone', 'Invalid value: "europe/paris": unknown time zone europe/paris']]);
  t.deepEqual(causes({ timeZone: '../../etc/passwd' }), [['spec.timeZone', 'Invalid value: "../../etc/passwd": unknown time zone ../../etc/passwd']]);
  t.deepEqual(causes({ timeZone: '' }), [['spec.timeZone', 'Invalid value: "": timeZone must be nil or non-empty string']]);
  t.deepEqual(causes({ timeZone: 'Local' }), [['spec.timeZone', 'Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']]);
  t.deepEqual(causes({ timeZone: 'Mars/Olympus', suspend: true }, cronJob({ timeZone: 'Mars/Olympus' })), []);
});

test('counts, concurrencyPolicy, the job template as a Job spec, and the name limit', (t) => {
  t.deepEqual(causes({ startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }), [
    ['spec.startingDeadlineSeconds', 'Invalid value: -1: must be greater than or equal to 0'],
    ['spec.successfulJobsHistoryLimit', 'Invalid value: -1: must be greater than or equal to 0'],
    ['spec.failedJobsHistoryLimit', 'Invalid value: -2: must be greater than or equal to 0'],
  ]);
  t.deepEqual(causes({ concurrencyPolicy: 'Sometimes' }), [['spec.concurrencyPolicy', 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']]);
  t.deepEqual(causes({ jobTemplate: jobTemplate({ backoffLimit: -1 }) }), [['spec.jobTemplate.spec.backoffLimit', 'Invalid value: -1: must be greater than or equal to 0']]);
  t.deepEqual(causes({ jobTemplate: jobTemplate({ selector: { matchLabels: { a: 'b' } } }) }), [['spec.jobTemplate.spec.selector', 'Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']]);
  t.deepEqual(causes({ jobTemplate: jobTemplate({ manualSelector: true }) }), [['spec.jobTemplate.spec.manualSelector', 'Unsupported value: true: supported values: "nil", "false"']]);
  const long = 'a'.repeat(53);
  t.deepEqual(shape(validateObject(CJ, cronJob({}, long))), [['metadata.name', `Invalid value: "${long}": must be no more than 52 characters`]]);
  t.deepEqual(validateObject(CJ, cronJob({}, long), cronJob({}, long)), [], 'not on update');
});

test('month and weekday names that are Object.prototype members are not names', (t) => {
  // robfig/cron looks names up in a Go map: `constructor` is just a word that is not a number.
  for (const word of ['constructor', 'toString', '__proto__']) {
    t.is(scheduleProblem(`0 0 * ${word} *`), `failed to parse int from ${word}: strconv.Atoi: parsing "${word}": invalid syntax`);
    t.is(scheduleProblem(`0 0 * * ${word}`), `failed to parse int from ${word}: strconv.Atoi: parsing "${word}": invalid syntax`);
  }
});
