import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';

const JOB = { group: 'batch', version: 'v1', kind: 'Job' };
const job = (spec: object, restartPolicy = 'Never') => ({ metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }] } }, ...spec } });
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const causes = (spec: object, restartPolicy?: string) => shape(validateObject(JOB, job(spec, restartPolicy)));
const policy = (...rules: object[]) => ({ podFailurePolicy: { rules } });

test('the podFailurePolicy of upstream docs, defaulted, and indexed jobs with per-index backoff are valid', (t) => {
  const j: any = job(policy(
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [1, 2, 3] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0, 42] } },
  ));
  // (status left out, as the docs do: upstream defaults it to True)
  defaultObject(JOB, j);
  t.deepEqual(validateObject(JOB, j), []);
  t.deepEqual(causes({ completionMode: 'Indexed', completions: 10, parallelism: 3, backoffLimitPerIndex: 1, maxFailedIndexes: 5,
    ...policy({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }) }), []);
});

test('podFailurePolicy rules: action, exactly one of onExitCodes/onPodConditions, operators, exit codes', (t) => {
  t.deepEqual(causes(policy({ onExitCodes: { operator: 'In', values: [1] } })), [['spec.podFailurePolicy.rules[0].action', 'Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]']]);
  t.deepEqual(causes(policy({ action: 'Retry', onExitCodes: { operator: 'In', values: [1] } })),
    [['spec.podFailurePolicy.rules[0].action', 'Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"']]);
  t.deepEqual(causes(policy({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } })), [['spec.podFailurePolicy.rules[0].action', 'Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set']]);
  t.deepEqual(causes(policy({ action: 'FailJob' })), [['spec.podFailurePolicy.rules[0]', 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] })),
    [['spec.podFailurePolicy.rules[0]', 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { values: [1] } })), [['spec.podFailurePolicy.rules[0].onExitCodes.operator', 'Required value: valid values: ["In" "NotIn"]']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { operator: 'Equals', values: [1] } })), [['spec.podFailurePolicy.rules[0].onExitCodes.operator', 'Unsupported value: "Equals": supported values: "In", "NotIn"']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [] } })), [['spec.podFailurePolicy.rules[0].onExitCodes.values', 'Invalid value: []int32{}: at least one value is required']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 1] } })), [['spec.podFailurePolicy.rules[0].onExitCodes.values[0]', 'Invalid value: 0: must not be 0 for the In operator']]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [3, 1, 1] } })), [
    ['spec.podFailurePolicy.rules[0].onExitCodes.values[2]', 'Duplicate value: 1'],
    ['spec.podFailurePolicy.rules[0].onExitCodes.values', 'Invalid value: []int32{3, 1, 1}: must be ordered'],
  ]);
  t.deepEqual(causes(policy({ action: 'FailJob', onExitCodes: { containerName: 'sidecar', operator: 'In', values: [1] } })),
    [['spec.podFailurePolicy.rules[0].onExitCodes.containerName', 'Invalid value: "sidecar": must be one of the container or initContainer names in the pod template']]);
  t.deepEqual(causes(policy({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }, { type: 'bad type' }] })), [
    ['spec.podFailurePolicy.rules[0].onPodConditions[0].status', 'Unsupported value: "Maybe": supported values: "False", "True", "Unknown"'],
    ['spec.podFailurePolicy.rules[0].onPodConditions[1].type', "Invalid value: \"bad type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"],
  ]);
  const many = Array.from({ length: 21 }, () => ({ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }));
  t.deepEqual(causes(policy(...many)), [['spec.podFailurePolicy.rules', 'Too many: 21: must have at most 20 items']]);
});

test('podFailurePolicy needs restartPolicy Never and podReplacementPolicy Failed', (t) => {
  const rule = { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } };
  t.deepEqual(causes(policy(rule), 'OnFailure'), [['spec.template.spec.restartPolicy', 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']]);
  t.deepEqual(causes({ ...policy(rule), podReplacementPolicy: 'TerminatingOrFailed' }), [['spec.podReplacementPolicy', 'Unsupported value: "TerminatingOrFailed": supported values: "Failed"']]);
  t.deepEqual(causes({ podReplacementPolicy: 'Eventually' }), [['spec.podReplacementPolicy', 'Unsupported value: "Eventually": supported values: "Failed", "TerminatingOrFailed"']]);
});

test('backoffLimitPerIndex, maxFailedIndexes and successPolicy only with Indexed completion', (t) => {
  t.deepEqual(causes({ backoffLimitPerIndex: 1, maxFailedIndexes: 1 }), [
    ['spec.backoffLimitPerIndex', 'Invalid value: 1: requires indexed completion mode'],
    ['spec.maxFailedIndexes', 'Invalid value: 1: requires indexed completion mode'],
  ]);
  t.deepEqual(causes({ completionMode: 'Indexed', completions: 3, maxFailedIndexes: 1 }), [['spec.backoffLimitPerIndex', 'Required value: when maxFailedIndexes is specified']]);
  t.deepEqual(causes({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: -1, maxFailedIndexes: 4 }), [
    ['spec.backoffLimitPerIndex', 'Invalid value: -1: must be greater than or equal to 0'],
    ['spec.maxFailedIndexes', 'Invalid value: 4: must be less than or equal to completions'],
  ]);
  t.deepEqual(causes({ successPolicy: { rules: [{ succeededCount: 1 }] } }).map((c) => c[0]), ['spec.successPolicy']);
});

test('podFailurePolicy and backoffLimitPerIndex are immutable', (t) => {
  const rule = { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } };
  const old = job({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1, ...policy(rule) });
  const changed = job({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 2, ...policy({ ...rule, action: 'Ignore' }) });
  t.deepEqual(shape(validateObject(JOB, changed, old)).map((c) => c[0]), ['spec.podFailurePolicy', 'spec.backoffLimitPerIndex']);
  t.deepEqual(validateObject(JOB, old, old), []);
});
