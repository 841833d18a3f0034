import test from 'ava';
import { serverSideApply, updateManagedFields } from '../../../../src/apiserver/patch/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-02T00:00:00Z';
const apply = (current: object | undefined, applied: object, manager = 'kubectl', force = false, now = T2) =>
  serverSideApply(current, applied, { manager, force, gvk: DEPLOY, now }) as any;
const rejection = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.status;
    throw e;
  }
  return undefined;
};

const deployment = (over: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: object[] } = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: over.labels ?? { app: 'web' } },
  spec: {
    replicas: over.replicas ?? 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: over.containers ?? [{ name: 'web', image: over.image ?? 'nginx:1', ports: [{ containerPort: 80 }] }] },
    },
  },
});
const entry = (obj: any, manager: string) => obj.metadata.managedFields.find((m: any) => m.manager === manager);

test('apply on create: the object is the configuration, owned by the manager in fieldsV1', (t) => {
  const out = apply(undefined, deployment());
  t.deepEqual(out.spec, deployment().spec);
  t.deepEqual(out.metadata.managedFields, [{
    manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: T2, fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
        },
      },
    },
  }]);
});

test('a field another manager set to another value is a 409 naming manager and field; the same value is shared', (t) => {
  const created = structuredClone(deployment()) as any;
  updateManagedFields(undefined, created, 'kubectl-client-side-apply', 'Update', T1);
  const status = rejection(() => apply(created, deployment({ replicas: 3 })));
  t.is(status?.code, 409);
  t.is(status?.reason, 'Conflict');
  t.is(status?.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  t.deepEqual(status?.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);

  const shared = apply(created, deployment());
  t.truthy(entry(shared, 'kubectl').fieldsV1['f:spec']['f:replicas']);
  t.truthy(entry(shared, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:replicas'], 'equal values: both own the field');
});

test('force takes the field: the value changes and the other manager loses it', (t) => {
  const created = structuredClone(deployment()) as any;
  updateManagedFields(undefined, created, 'kubectl-client-side-apply', 'Update', T1);
  const out = apply(created, deployment({ replicas: 3 }), 'kubectl', true);
  t.is(out.spec.replicas, 3);
  t.falsy(entry(out, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:replicas']);
  t.truthy(entry(out, 'kubectl').fieldsV1['f:spec']['f:replicas']);
  t.is(entry(out, 'kubectl-client-side-apply').time, T1, 'a manager that only lost fields keeps its time');
});

test('conflicts with several fields and managers are listed per manager, appliers without apiVersion', (t) => {
  const first = apply(undefined, deployment(), 'alpha', false, T1);
  const both = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }, 'beta', false, T1);
  const status = rejection(() => apply(both, deployment({ replicas: 5, image: 'nginx:2' }), 'gamma'));
  t.is(status?.message, [
    'Apply failed with 3 conflicts: conflicts with "alpha":',
    '- .spec.replicas',
    '- .spec.template.spec.containers[name="web"].image',
    'conflicts with "beta":',
    '- .spec.replicas',
  ].join('\n'));
  t.is(status?.details?.causes?.length, 3);
});

test('fields a manager stops applying are removed unless another manager owns them', (t) => {
  const first = apply(undefined, deployment({ labels: { app: 'web', a: '1', b: '2' } }));
  const edited = structuredClone(first);
  edited.metadata.labels.c = '3';
  updateManagedFields(first, edited, 'kubectl-label', 'Update', T1);
  const claimed = apply(edited, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { b: '2' } } }, 'other');
  const out = apply(claimed, deployment({ labels: { app: 'web' } }));
  t.deepEqual(out.metadata.labels, { app: 'web', b: '2', c: '3' }, 'a is gone; b is applied by other; c was set by an update');
  t.deepEqual(entry(out, 'kubectl').fieldsV1['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
});

test('map lists merge by key: another applier\'s container stays when the first re-applies without it', (t) => {
  const first = apply(undefined, deployment());
  const withSide = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'side', image: 'envoy' }] } } } }, 'mesh');
  t.deepEqual(withSide.spec.template.spec.containers.map((c: any) => c.name), ['web', 'side']);
  const again = apply(withSide, deployment({ image: 'nginx:2' }));
  t.deepEqual(again.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['web', 'nginx:2'], ['side', 'envoy']]);
  const dropped = apply(again, deployment({ containers: [{ name: 'web2', image: 'x' }] }));
  t.deepEqual(dropped.spec.template.spec.containers.map((c: any) => c.name), ['side', 'web2'], 'web, applied before by kubectl alone, is removed');
});

test('key fields with defaults: a port without protocol is the live port with protocol TCP, not a second one', (t) => {
  const live = deployment() as any;
  live.spec.template.spec.containers[0].ports = [{ containerPort: 80, protocol: 'TCP' }];
  live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
  updateManagedFields(undefined, live, 'kubectl-client-side-apply', 'Update', T1);
  const out = apply(live, deployment({ image: 'nginx:1' }));
  t.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  t.is(out.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent', 'fields nobody applied stay');
});

test('set lists (finalizers) merge by value; atomic lists (args) are replaced', (t) => {
  const base = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers: ['a'] } };
  const first = apply(undefined, base, 'one');
  const out = apply(first, { ...base, metadata: { name: 'web', finalizers: ['b'] } }, 'two');
  t.deepEqual(out.metadata.finalizers, ['a', 'b']);
  t.deepEqual(entry(out, 'two').fieldsV1, { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"b"': {} } } });
  const args = apply(undefined, deployment({ containers: [{ name: 'web', args: ['x', 'y'] }] }));
  const replaced = apply(args, deployment({ containers: [{ name: 'web', args: ['z'] }] }));
  t.deepEqual(replaced.spec.template.spec.containers[0].args, ['z']);
});

test('objects without managedFields are owned by before-first-apply', (t) => {
  const status = rejection(() => apply(deployment(), deployment({ replicas: 4 })));
  t.is(status?.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

test('kubectl applying server-side keeps an existing last-applied annotation in step', (t) => {
  const live = deployment() as any;
  live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
  updateManagedFields(undefined, live, 'kubectl-client-side-apply', 'Update', T1);
  const out = apply(live, deployment());
  t.deepEqual(JSON.parse(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']), deployment());
  const other = apply(live, deployment(), 'someone');
  t.is(other.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{}');
});

test('bad applied configurations are 400', (t) => {
  t.regex(rejection(() => apply(undefined, { ...deployment(), apiVersion: 'apps/v1beta1' }))?.message ?? '', /Incorrect version specified in apply patch. Specified patch version: apps\/v1beta1, expected: apps\/v1/);
  t.is(rejection(() => apply(undefined, { ...deployment(), kind: 'ReplicaSet' }))?.code, 400);
  t.is(rejection(() => apply(undefined, { ...deployment(), metadata: { name: 'web', managedFields: [] } }))?.message, 'metadata.managedFields must be nil');
  const noName = rejection(() => apply(undefined, deployment({ containers: [{ image: 'x' }] })));
  t.is(noName?.code, 400);
  t.regex(noName?.message ?? '', /\.spec\.template\.spec\.containers: element 0: associative list with keys has an element that omits key field "name"/);
  t.is(rejection(() => serverSideApply(undefined, [] as unknown as object, { manager: 'm', force: false, gvk: DEPLOY, now: T1 }))?.code, 400);
});

test('updates: the manager owns what it added or changed, others lose it; time moves only when it took fields', (t) => {
  const created = structuredClone(deployment()) as any;
  updateManagedFields(undefined, created, 'creator', 'Update', T1);
  t.deepEqual(created.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.apiVersion, m.time]), [['creator', 'Update', 'apps/v1', T1]]);
  const scaled = structuredClone(created);
  scaled.spec.replicas = 5;
  updateManagedFields(created, scaled, 'scaler', 'Update', T2, 'scale');
  t.deepEqual(entry(scaled, 'scaler'), { manager: 'scaler', operation: 'Update', apiVersion: 'apps/v1', time: T2, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' });
  t.falsy(entry(scaled, 'creator').fieldsV1['f:spec']['f:replicas']);
  const status = rejection(() => apply(scaled, deployment({ replicas: 2 })));
  t.is(status?.message, 'Apply failed with 1 conflict: conflict with "scaler" with subresource "scale" using apps/v1: .spec.replicas');
  const same = structuredClone(scaled);
  updateManagedFields(scaled, same, 'creator', 'Update', T2);
  t.is(entry(same, 'creator').time, T1, 'a no-op update keeps the time');
});

test('updates: managedFields sent in the request are taken, [{}] clears them, [] keeps the stored ones', (t) => {
  const created = structuredClone(deployment()) as any;
  updateManagedFields(undefined, created, 'creator', 'Update', T1);
  const cleared = structuredClone(created);
  cleared.metadata.managedFields = [{}];
  updateManagedFields(created, cleared, 'editor', 'Update', T2);
  t.is(cleared.metadata.managedFields, undefined);
  const empty = structuredClone(created);
  empty.metadata.managedFields = [];
  empty.spec.replicas = 9;
  updateManagedFields(created, empty, 'editor', 'Update', T2);
  t.deepEqual(empty.metadata.managedFields.map((m: any) => m.manager), ['creator', 'editor']);
  const forged = structuredClone(created);
  forged.metadata.managedFields = [{ manager: 'forged', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  updateManagedFields(created, forged, 'editor', 'Update', T2);
  t.deepEqual(forged.metadata.managedFields.map((m: any) => m.manager), ['forged']);
  const viaStatus = structuredClone(created);
  viaStatus.metadata.managedFields = [{}];
  viaStatus.status = { replicas: 1 };
  updateManagedFields(created, viaStatus, 'kubelet', 'Update', T2, 'status');
  t.deepEqual(viaStatus.metadata.managedFields.map((m: any) => [m.manager, m.subresource]), [['creator', undefined], ['kubelet', 'status']], 'subresource writes ignore managedFields sent with them');
});

test('service ports are keyed by port and protocol: the same port over UDP is another item', (t) => {
  const SVC = { group: '', version: 'v1', kind: 'Service' };
  const svc = (ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns' }, spec: { ports } });
  const first = serverSideApply(undefined, svc([{ port: 53, name: 'tcp' }]), { manager: 'a', force: false, gvk: SVC, now: T1 }) as any;
  const out = serverSideApply(first, svc([{ port: 53, protocol: 'UDP', name: 'udp' }]), { manager: 'b', force: false, gvk: SVC, now: T1 }) as any;
  t.deepEqual(out.spec.ports, [{ port: 53, name: 'tcp' }, { port: 53, protocol: 'UDP', name: 'udp' }]);
  t.deepEqual(Object.keys(entry(out, 'b').fieldsV1['f:spec']['f:ports']), ['k:{"port":53,"protocol":"UDP"}']);
});

test('an applied null removes the field and the status subresource is a manager of its own', (t) => {
  const first = apply(undefined, deployment());
  const out = serverSideApply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, status: { replicas: 1 } }, { manager: 'ctrl', force: false, gvk: DEPLOY, now: T2, subresource: 'status' }) as any;
  t.deepEqual(out.status, { replicas: 1 });
  t.is(entry(out, 'ctrl').subresource, 'status');
  const nulled = apply(out, { ...deployment(), spec: { ...deployment().spec, replicas: null } } as object);
  t.false('replicas' in nulled.spec);
});

test('past 10 update managers the oldest are folded into ancient-changes', (t) => {
  let current = structuredClone(deployment()) as any;
  updateManagedFields(undefined, current, 'creator', 'Update', '2026-01-01T00:00:00Z');
  for (let i = 1; i <= 10; i++) {
    const next = structuredClone(current);
    next.metadata.labels[`l${i}`] = 'x';
    updateManagedFields(current, next, `writer-${i}`, 'Update', `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`);
    current = next;
  }
  const managers = current.metadata.managedFields.map((m: any) => m.manager);
  t.is(managers.length, 10);
  t.is(managers[0], 'ancient-changes');
  t.false(managers.includes('creator'));
  t.false(managers.includes('writer-1'));
  const ancient = entry(current, 'ancient-changes');
  t.is(ancient.time, '2026-01-01T00:00:01Z');
  t.truthy(ancient.fieldsV1['f:spec']['f:replicas'], 'the folded sets are kept');
  t.truthy(ancient.fieldsV1['f:metadata']['f:labels']['f:l1']);
});
