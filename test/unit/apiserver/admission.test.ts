// Fidelity gaps upstream's conformance suite found (issue 11): status writes keep metadata
// changes, RBAC apiGroups are defaulted, pods get their QoS class, LimitRanger applies.
import test from 'ava';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { podQosClass } from '../../../src/api/qos.js';
import { pod, startFixture } from './fixture.js';

const hooks = { applyPatch, serverSideApply, updateManagedFields, defaultObject, validateObject };
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const PODS = '/api/v1/namespaces/default/pods';
const res = (requests?: object, limits?: object) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

test('a status PATCH or PUT keeps label and annotation changes and resets spec', async (t) => {
  const { call } = await startFixture(t, { hooks });
  await call('POST', PODS, pod('p'));
  const patched = await call('PATCH', `${PODS}/p/status`, { metadata: { labels: { a: '1' }, annotations: { n: 'v' } }, spec: { activeDeadlineSeconds: 5 }, status: { message: 'hi' } }, MERGE);
  t.is(patched.status, 200, patched.text);
  t.deepEqual(patched.json.metadata.labels, { a: '1' });
  t.deepEqual(patched.json.metadata.annotations, { n: 'v' });
  t.is(patched.json.spec.activeDeadlineSeconds, undefined);
  t.is(patched.json.status.message, 'hi');
  const put = await call('PUT', `${PODS}/p/status`, { ...patched.json, metadata: { ...patched.json.metadata, labels: { b: '2' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u' }] } });
  t.deepEqual(put.json.metadata.labels, { b: '2' });
  // The pod status strategy keeps owner references, the deployment one labels.
  t.is(put.json.metadata.ownerReferences, undefined);
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { keep: 'me' } },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  await call('POST', '/apis/apps/v1/namespaces/default/deployments', d);
  const dp = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d/status', { metadata: { labels: { keep: 'no' }, annotations: { n: 'v' } }, status: { replicas: 1 } }, MERGE);
  t.deepEqual(dp.json.metadata.labels, { keep: 'me' });
  t.deepEqual(dp.json.metadata.annotations, { n: 'v' });
});

test('RoleBinding roleRef and subjects get their apiGroup when left out', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const made = await call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' },
    roleRef: { kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'u' }, { kind: 'Group', name: 'g', apiGroup: '' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
  });
  t.is(made.status, 201, made.text);
  t.is(made.json.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  t.deepEqual(made.json.subjects.map((s: any) => s.apiGroup), ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', '']);
  const crb = await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: 'crb' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'u' }] });
  t.is(crb.status, 201, crb.text);
});

test('QoS class as upstream computes it, init containers included', (t) => {
  t.is(podQosClass({ containers: [{ name: 'a' }] }), 'BestEffort');
  t.is(podQosClass({ containers: [{ name: 'a', ...res({ cpu: '100m' }) }] }), 'Burstable');
  const g = { cpu: '100m', memory: '64Mi' };
  t.is(podQosClass({ containers: [{ name: 'a', ...res(g, g) }] }), 'Guaranteed');
  t.is(podQosClass({ containers: [{ name: 'a', ...res(g, g) }], initContainers: [{ name: 'i' }] }), 'Burstable');
  t.is(podQosClass({ containers: [{ name: 'a', ...res({ cpu: '0.1', memory: '64Mi' }, { cpu: '100m', memory: '64Mi' }) }] }), 'Guaranteed');
  t.is(podQosClass({ containers: [{ name: 'a', ...res({ cpu: '0' }, { cpu: '0' }) }] }), 'BestEffort');
});

test('a created pod carries status.qosClass, computed after defaults (requests from limits)', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const best = await call('POST', PODS, pod('best'));
  t.is(best.json.status.qosClass, 'BestEffort');
  const guaranteed = await call('POST', PODS, pod('g', { spec: { containers: [{ name: 'c', image: 'x', ...res(undefined, { cpu: '1', memory: '1Gi' }) }] } }));
  t.is(guaranteed.json.status.qosClass, 'Guaranteed', guaranteed.text);
  const got = await call('GET', `${PODS}/g`);
  t.is(got.json.status.qosClass, 'Guaranteed');
});

test('LimitRanger: defaults fill containers and init containers, with the annotation upstream writes', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const lr = await call('POST', '/api/v1/namespaces/default/limitranges', { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' },
    spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' } }] } });
  t.is(lr.status, 201, lr.text);
  t.deepEqual(lr.json.spec.limits[0].defaultRequest, { cpu: '100m', memory: '128Mi' });
  const p = await call('POST', PODS, pod('p', { spec: { containers: [{ name: 'c', image: 'x', ...res({ memory: '64Mi' }) }], initContainers: [{ name: 'i', image: 'x' }] } }));
  t.is(p.status, 201, p.text);
  t.deepEqual(p.json.spec.containers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
  t.deepEqual(p.json.spec.initContainers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  t.is(p.json.metadata.annotations['kubernetes.io/limit-ranger'],
    'LimitRanger plugin set: cpu request for container c; cpu, memory limit for container c; cpu, memory request for init container i; cpu, memory limit for init container i');
  t.is(p.json.status.qosClass, 'Burstable');
});

test('LimitRanger: min, max and ratio per Container, per Pod, and PVC storage, in upstream words', async (t) => {
  const { call } = await startFixture(t, { hooks });
  await call('POST', '/api/v1/namespaces/default/limitranges', { metadata: { name: 'lr' }, spec: { limits: [
    { type: 'Container', max: { cpu: '1000m' }, min: { cpu: '50m' }, maxLimitRequestRatio: { cpu: '4' } },
    { type: 'Pod', max: { memory: '1Gi' } },
    { type: 'PersistentVolumeClaim', max: { storage: '2Gi' }, min: { storage: '1Gi' } },
  ] } });
  const big = await call('POST', PODS, pod('big', { spec: { containers: [{ name: 'c', image: 'x', ...res({ cpu: '100m', memory: '512Mi' }, { cpu: '2', memory: '512Mi' }) }] } }));
  t.is(big.status, 403, big.text);
  t.is(big.json.reason, 'Forbidden');
  t.is(big.json.message, 'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, cpu max limit to request ratio per Container is 4, but provided ratio is 20.000000]');
  // Defaulted from max: limit 1, request 1 (the default request follows the default limit).
  const fits = await call('POST', PODS, pod('fits', { spec: { containers: [{ name: 'c', image: 'x', ...res(undefined, { memory: '512Mi' }) }] } }));
  t.is(fits.status, 201, fits.text);
  const twoContainers = { containers: ['a', 'b'].map((name) => ({ name, image: 'x', ...res({ cpu: '500m' }, { cpu: '500m', memory: '600Mi' }) })) };
  const pods = await call('POST', PODS, pod('sum', { spec: twoContainers }));
  t.is(pods.status, 403);
  t.is(pods.json.message, 'pods "sum" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi');
  const pvc = (name: string, storage?: string) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: storage ? { requests: { storage } } : {} } });
  const small = await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('small', '500Mi'));
  t.is(small.status, 403);
  t.is(small.json.message, 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  const right = await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('right', '1Gi'));
  t.is(right.status, 201, right.text);
  const resized = await call('PUT', '/api/v1/namespaces/default/persistentvolumeclaims/right', { ...right.json, spec: { ...right.json.spec, resources: { requests: { storage: '3Gi' } } } });
  t.is(resized.status, 403);
  t.is(resized.json.message, 'persistentvolumeclaims "right" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi');
});
