import test from 'ava';
import { defaultObject, pullPolicyFor } from '../../../src/api/defaults.js';
import { containers, pod } from '../../helpers/builders.js';

const core = (kind: string) => ({ group: '', version: 'v1', kind });
const apps = (kind: string) => ({ group: 'apps', version: 'v1', kind });

test('a pod gets the spec and container defaults kubectl users see', (t) => {
  const p = pod('p', containers({ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }));
  defaultObject(core('Pod'), p);
  t.like(p.spec, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {}, enableServiceLinks: true, priority: 0 });
  t.like(p.spec?.containers[0], { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always', resources: {} });
  t.is(p.spec?.containers[0]?.ports?.[0]?.protocol, 'TCP');
});

test('explicit values are kept; requests default to limits', (t) => {
  const pod: any = { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', imagePullPolicy: 'Never', resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '500m' } } }] } };
  defaultObject(core('Pod'), pod);
  t.is(pod.spec.restartPolicy, 'Never');
  t.is(pod.spec.containers[0].imagePullPolicy, 'Never');
  t.deepEqual(pod.spec.containers[0].resources.requests, { cpu: '500m', memory: '64Mi' });
});

test('image pull policy follows the tag, as upstream', (t) => {
  t.is(pullPolicyFor('nginx'), 'Always');
  t.is(pullPolicyFor('nginx:latest'), 'Always');
  t.is(pullPolicyFor('localhost:5000/nginx'), 'Always');
  t.is(pullPolicyFor('localhost:5000/nginx:1.2'), 'IfNotPresent');
  t.is(pullPolicyFor('nginx@sha256:abcd'), 'IfNotPresent');
});

test('a service defaults its type, affinity, ports and families', (t) => {
  const svc: any = { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } };
  defaultObject(core('Service'), svc);
  t.like(svc.spec, { type: 'ClusterIP', sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' });
  t.deepEqual(svc.spec.ipFamilies, ['IPv4']);
  t.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }]);
});

test('a deployment gets replicas, a rolling strategy and its pod template defaults', (t) => {
  const d: any = { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } };
  defaultObject(apps('Deployment'), d);
  t.like(d.spec, { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
  t.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  t.is(d.spec.template.spec.restartPolicy, 'Always');
  t.is(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  const recreate: any = { spec: { strategy: { type: 'Recreate' } } };
  defaultObject(apps('Deployment'), recreate);
  t.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
});

test('workload kinds get their controllers defaults', (t) => {
  const sts: any = { spec: {} };
  defaultObject(apps('StatefulSet'), sts);
  t.like(sts.spec, { replicas: 1, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
  const ds: any = { spec: {} };
  defaultObject(apps('DaemonSet'), ds);
  t.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const job: any = { spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } };
  defaultObject({ group: 'batch', version: 'v1', kind: 'Job' }, job);
  t.like(job.spec, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
  const failing: any = { spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }, template: { spec: { containers: [] } } } };
  defaultObject({ group: 'batch', version: 'v1', kind: 'Job' }, failing);
  t.like(failing.spec, { podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } });
  const cj: any = { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } };
  defaultObject({ group: 'batch', version: 'v1', kind: 'CronJob' }, cj);
  t.like(cj.spec, { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  t.is(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('namespaces get their name label, finalizer and phase; secrets their type', (t) => {
  const ns: any = { metadata: { name: 'team-a' } };
  defaultObject(core('Namespace'), ns);
  t.is(ns.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
  t.deepEqual(ns.spec.finalizers, ['kubernetes']);
  t.is(ns.status.phase, 'Active');
  const secret: any = { data: {} };
  defaultObject(core('Secret'), secret);
  t.is(secret.type, 'Opaque');
});

test('a secret\'s stringData is folded into data (base64), winning over the same key, and not stored', (t) => {
  const secret: any = { data: { a: Buffer.from('old').toString('base64'), b: 'Yg==' }, stringData: { a: 'new', c: 'ç' } };
  defaultObject(core('Secret'), secret);
  t.deepEqual(secret.data, { a: Buffer.from('new').toString('base64'), b: 'Yg==', c: Buffer.from('ç').toString('base64') });
  t.false('stringData' in secret);
  const bad: any = { stringData: { a: 7 } };
  defaultObject(core('Secret'), bad);
  t.deepEqual(bad.stringData, { a: 7 }, 'a non-string value is left for validation');
});

test('malformed input is left for validation, never thrown on', (t) => {
  t.notThrows(() => defaultObject(core('Pod'), { spec: { containers: 'nope' } }));
  t.notThrows(() => defaultObject(apps('Deployment'), { spec: 7 }));
  t.notThrows(() => defaultObject(core('Pod'), null));
});

test('fields of the wrong shape are left for validation, never thrown on', (t) => {
  const cases: [{ group: string; version: string; kind: string }, Record<string, unknown>][] = [
    [apps('Deployment'), { spec: { strategy: 'x' } }],
    [apps('DaemonSet'), { spec: { updateStrategy: 7 } }],
    [apps('StatefulSet'), { spec: { persistentVolumeClaimRetentionPolicy: 'x' } }],
    [core('Service'), { spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: 'x' } }],
    [core('Namespace'), { metadata: { name: 'n', labels: 'x' }, spec: 'x' }],
  ];
  for (const [gvk, obj] of cases) {
    t.notThrows(() => defaultObject(gvk, obj), gvk.kind);
  }
  const [, deployment] = cases[0]!;
  t.deepEqual(deployment, { spec: { strategy: 'x', replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } });
});

test('keys a client sends are data: a secret key named __proto__ is stored, not made a prototype', (t) => {
  const secret = JSON.parse('{"stringData":{"__proto__":"x","constructor":"y"}}') as Record<string, unknown>;
  defaultObject(core('Secret'), secret);
  const data = secret.data as Record<string, unknown>;
  t.deepEqual(Object.keys(data).sort(), ['__proto__', 'constructor']);
  t.is(Object.getPrototypeOf(data), Object.prototype);
  t.is(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, Buffer.from('x').toString('base64'));
});
