import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';

const gvk = (group: string, kind: string) => ({ group, version: 'v1', kind });
const DEPLOY = gvk('apps', 'Deployment');
const STS = gvk('apps', 'StatefulSet');
const DS = gvk('apps', 'DaemonSet');
const JOB = gvk('batch', 'Job');
const template = (restartPolicy?: string) => ({ metadata: { labels: { app: 'a' } }, spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'x' }] } });
const workload = (spec: object, restartPolicy?: string) => ({ metadata: { name: 'w' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template(restartPolicy), ...spec } });
const defaulted = (g: typeof DEPLOY, o: any) => (defaultObject(g, o), o);
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);

test('what kubectl create deployment and job send, defaulted, is valid', (t) => {
  // kubectl create deployment web --image=nginx --replicas=2
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, strategy: {}, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } } }, status: {} };
  t.deepEqual(validateObject(DEPLOY, defaulted(DEPLOY, d)), []);
  // kubectl create job pi --image=perl -- perl -e 1
  const j = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e', '1'], resources: {} }], restartPolicy: 'Never' } } }, status: {} };
  t.deepEqual(validateObject(JOB, defaulted(JOB, j)), []);
  const ds = workload({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } } });
  t.deepEqual(validateObject(DS, defaulted(DS, ds)), []);
  const sts = workload({ serviceName: 'w', podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' } });
  t.deepEqual(validateObject(STS, defaulted(STS, sts)), []);
});

test('deployment strategy: enum, Recreate without rollingUpdate, int-or-percent, not both zero', (t) => {
  t.deepEqual(shape(validateObject(DEPLOY, workload({ strategy: { type: 'BlueGreen' } }))), [['spec.strategy.type', 'Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"']]);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }))),
    [['spec.strategy.rollingUpdate', "Forbidden: may not be specified when strategy `type` is 'Recreate'"]]);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }))),
    [['spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: "0%": may not be 0 when `maxSurge` is 0']]);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'half', maxUnavailable: '150%' } } }))).map((c) => c[0]),
    ['spec.strategy.rollingUpdate.maxUnavailable', 'spec.strategy.rollingUpdate.maxSurge']);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: -1, maxUnavailable: 1 } } }))),
    [['spec.strategy.rollingUpdate.maxSurge', 'Invalid value: -1: must be greater than or equal to 0']]);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ replicas: -1, minReadySeconds: -2, revisionHistoryLimit: -3 }))).map((c) => c[0]),
    ['spec.replicas', 'spec.minReadySeconds', 'spec.revisionHistoryLimit']);
  const deadline = workload({});
  (deadline.spec.template.spec as any).activeDeadlineSeconds = 5;
  t.deepEqual(shape(validateObject(DEPLOY, deadline)), [['spec.template.spec.activeDeadlineSeconds', 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']]);
  t.deepEqual(shape(validateObject(DEPLOY, workload({ minReadySeconds: 30, progressDeadlineSeconds: 30 }))), [['spec.progressDeadlineSeconds', 'Invalid value: 30: must be greater than minReadySeconds']]);
  t.deepEqual(shape(validateObject(DEPLOY, { metadata: { name: 'w' }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, template: template() } })),
    [['spec.selector.matchExpressions[0].values', "Required value: must be specified when `operator` is 'In' or 'NotIn'"]]);
});

test('daemonset and statefulset update strategies and policies', (t) => {
  t.deepEqual(shape(validateObject(DS, workload({ updateStrategy: { type: 'Sometimes' } }))).map((c) => c[0]), ['spec.updateStrategy']);
  t.deepEqual(shape(validateObject(DS, workload({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }))),
    [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'Required value: cannot be 0 when maxSurge is 0']]);
  t.deepEqual(shape(validateObject(DS, workload({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }))),
    [['spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: 1: may not be set when maxUnavailable is non-zero']]);
  t.deepEqual(shape(validateObject(STS, workload({ serviceName: 's', podManagementPolicy: 'Random' }))), [['spec.podManagementPolicy', 'Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']]);
  t.deepEqual(shape(validateObject(STS, workload({ serviceName: 's', updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }))).map((c) => c[0]), ['spec.updateStrategy.rollingUpdate']);
  t.deepEqual(shape(validateObject(STS, workload({ serviceName: 's', updateStrategy: { type: 'Rolling' } }))).map((c) => c[1]), ['Invalid value: {"type":"Rolling"}: must be \'RollingUpdate\' or \'OnDelete\'']);
  t.deepEqual(shape(validateObject(STS, workload({ serviceName: 's', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }))).map((c) => c[0]), ['spec.updateStrategy.rollingUpdate.partition']);
  t.deepEqual(shape(validateObject(STS, workload({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } }))),
    [['spec.persistentVolumeClaimRetentionPolicy.whenDeleted', 'Unsupported value: "Keep": supported values: "Retain", "Delete"']]);
  t.deepEqual(shape(validateObject(DS, { metadata: { name: 'w' }, spec: { selector: {}, template: template() } })).map((c) => c[1]), ['Invalid value: {}: empty selector is invalid for daemonset']);
  const old = workload({ serviceName: 's' });
  t.deepEqual(shape(validateObject(STS, workload({ serviceName: 'other' }), old)).map((c) => c[0]), ['spec']);
  t.deepEqual(validateObject(STS, workload({ serviceName: 's', replicas: 5 }), old), []);
});

test('jobs: counts, completionMode, restartPolicy, and immutable template and completions', (t) => {
  const job = (spec: object, restartPolicy = 'Never') => ({ metadata: { name: 'j' }, spec: { template: template(restartPolicy), ...spec } });
  t.deepEqual(shape(validateObject(JOB, job({ parallelism: -1, completions: -1, backoffLimit: -1 }))).map((c) => c[0]), ['spec.parallelism', 'spec.completions', 'spec.backoffLimit']);
  t.deepEqual(shape(validateObject(JOB, job({ completionMode: 'Sometimes' }))), [['spec.completionMode', 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']]);
  t.deepEqual(shape(validateObject(JOB, job({ completionMode: 'Indexed' }))), [['spec.completions', 'Required value: when completion mode is Indexed']]);
  // Upstream's defaulter makes an absent restartPolicy Always, and both are refused as Required.
  t.deepEqual(shape(validateObject(JOB, job({}, 'Always'))), [['spec.template.spec.restartPolicy', 'Required value: valid values: "OnFailure", "Never"']]);
  t.deepEqual(shape(validateObject(JOB, { metadata: { name: 'j' }, spec: { template: template() } })), [['spec.template.spec.restartPolicy', 'Required value: valid values: "OnFailure", "Never"']]);
  t.deepEqual(shape(validateObject(JOB, job({ ttlSecondsAfterFinished: -1 }))).map((c) => c[0]), ['spec.ttlSecondsAfterFinished']);
  const old = job({ completions: 3, parallelism: 1 });
  t.deepEqual(shape(validateObject(JOB, job({ completions: 4, parallelism: 1 }), old)), [['spec.completions', 'Invalid value: 4: field is immutable']]);
  t.deepEqual(validateObject(JOB, job({ completions: 3, parallelism: 2 }), old), []);
  const indexed = job({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
  t.deepEqual(validateObject(JOB, job({ completionMode: 'Indexed', completions: 5, parallelism: 5 }), indexed), []);
  t.deepEqual(shape(validateObject(JOB, job({ completionMode: 'NonIndexed', completions: 3, parallelism: 3 }), indexed)).map((c) => c[0]), ['spec.completionMode']);
});
