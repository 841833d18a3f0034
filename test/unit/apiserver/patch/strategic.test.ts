import test from 'ava';
import { applyPatch } from '../../../../src/apiserver/patch/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const SMP = 'application/strategic-merge-patch+json';
const smp = (current: object, patch: unknown, gvk = POD) => applyPatch(SMP, current, patch, gvk) as any;
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  return undefined;
};

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }], args: ['x', 'y'] },
      { name: 'log', image: 'busybox' },
    ],
    tolerations: [{ key: 'k1', operator: 'Exists' }],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
});

test('containers merge by name: a changed field, an untouched sibling, a new container appended', (t) => {
  const out = smp(pod(), { spec: { containers: [{ name: 'web', image: 'nginx:2' }, { name: 'side', image: 'envoy' }] } });
  t.deepEqual(out.spec.containers.map((c: any) => [c.name, c.image]), [['web', 'nginx:2'], ['log', 'busybox'], ['side', 'envoy']]);
  t.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }], 'fields the patch does not name stay');
});

test('lists without a merge strategy are replaced whole (tolerations, args)', (t) => {
  const out = smp(pod(), { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }], containers: [{ name: 'web', args: ['z'] }] } });
  t.deepEqual(out.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  t.deepEqual(out.spec.containers[0].args, ['z']);
});

test('null deletes a field; nulls under a field the object lacks are dropped', (t) => {
  const out = smp(pod(), { metadata: { labels: { tier: null }, annotations: { a: 'x', b: null } } });
  t.deepEqual(out.metadata.labels, { app: 'web' });
  t.deepEqual(out.metadata.annotations, { a: 'x' });
});

test('ports merge by containerPort, env by name', (t) => {
  const out = smp(pod(), { spec: { containers: [{ name: 'web', ports: [{ containerPort: 443 }], env: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }] }] } });
  t.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
  t.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: '2' }, { name: 'B', value: '3' }]);
});

test('$patch: delete removes the item with that merge key; $patch: replace replaces the list', (t) => {
  const del = smp(pod(), { spec: { containers: [{ name: 'log', $patch: 'delete' }] } });
  t.deepEqual(del.spec.containers.map((c: any) => c.name), ['web']);
  const rep = smp(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'i' }] } });
  t.deepEqual(rep.spec.containers, [{ name: 'only', image: 'i' }]);
});

test('$patch on a map: replace takes the patch as is, delete empties it, merge is the default', (t) => {
  t.deepEqual(smp(pod(), { metadata: { labels: { $patch: 'replace', only: 'x' } } }).metadata.labels, { only: 'x' });
  t.deepEqual(smp(pod(), { metadata: { labels: { $patch: 'delete' } } }).metadata.labels, {});
  t.deepEqual(smp(pod(), { metadata: { labels: { $patch: 'merge', n: '1' } } }).metadata.labels, { app: 'web', tier: 'fe', n: '1' });
});

test('finalizers: primitives merge as a set; $deleteFromPrimitiveList removes values', (t) => {
  t.deepEqual(smp(pod(), { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers, ['a', 'b', 'c']);
  t.deepEqual(smp(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers, ['b']);
  t.deepEqual(smp(pod(), { metadata: { '$setElementOrder/finalizers': ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers, ['b']);
});

test('$setElementOrder puts the merged list in the patch order, server-only items where they were', (t) => {
  const current = pod();
  current.spec.containers.push({ name: 'extra', image: 'e' });
  const out = smp(current, { spec: { '$setElementOrder/containers': [{ name: 'log' }, { name: 'web' }], containers: [{ name: 'web', image: 'nginx:3' }] } });
  t.deepEqual(out.spec.containers.map((c: any) => c.name), ['log', 'web', 'extra']);
  t.is(out.spec.containers[1].image, 'nginx:3');
});

test('$retainKeys drops the keys it does not list (a deployment strategy switched to Recreate)', (t) => {
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const out = smp(deploy, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOY);
  t.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('deployment templates reuse the pod spec merge keys; Service ports merge by port', (t) => {
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } } } };
  const out = smp(deploy, { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } }, DEPLOY);
  t.deepEqual(out.spec.template.spec.containers, [{ name: 'a', image: '1' }, { name: 'b', image: '2' }]);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  const merged = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, { group: '', version: 'v1', kind: 'Service' });
  t.deepEqual(merged.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);
});

test('an unknown kind merges maps and replaces lists', (t) => {
  const out = smp({ spec: { m: { a: 1 }, l: [1, 2] } }, { spec: { m: { b: 2 }, l: [3] } }, { group: 'example.com', version: 'v1', kind: 'Thing' });
  t.deepEqual(out.spec, { m: { a: 1, b: 2 }, l: [3] });
});

test('kubectl apply twice: the three-way patch kubectl sends after changing the config', (t) => {
  const config1 = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] }] } } } };
  // What the server stored after the first apply: kubectl's annotation, defaults, status.
  const live = structuredClone(config1) as any;
  live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(config1) + '\n' };
  live.metadata.uid = 'u1';
  live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
  live.spec.template.spec.restartPolicy = 'Always';
  live.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  live.status = { replicas: 2 };
  const config2 = structuredClone(config1) as any;
  delete config2.metadata.labels.tier;
  config2.spec.replicas = 3;
  config2.spec.template.spec.containers[0].image = 'nginx:1.26';
  config2.spec.template.spec.containers[0].env.push({ name: 'B', value: '2' });
  // kubectl's CreateThreeWayMergePatch(original = last applied, modified = config2 + annotation, current = live)
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(config2) + '\n' }, labels: { tier: null } },
    spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }], env: [{ name: 'B', value: '2' }], image: 'nginx:1.26', name: 'web' }] } } },
  };
  const out = applyPatch(SMP, live, JSON.stringify(patch), DEPLOY) as any;
  const expected = structuredClone(live);
  expected.metadata.labels = { app: 'web' };
  expected.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify(config2) + '\n';
  expected.spec.replicas = 3;
  expected.spec.template.spec.containers[0].image = 'nginx:1.26';
  expected.spec.template.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }];
  t.deepEqual(out, expected);
});

test('bad strategic patches: 400 for unreadable directives and missing merge keys, 422 for lists of lists', (t) => {
  t.is(failure(() => smp(pod(), [1]))?.code, 400);
  t.is(failure(() => smp(pod(), '{"spec":'))?.code, 400);
  t.deepEqual(failure(() => smp(pod(), { spec: { containers: [{ image: 'x' }] } })), { code: 400, message: 'map: {"image":"x"} does not contain declared merge key: name' });
  t.deepEqual(failure(() => smp(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } })), { code: 400, message: 'invalid patch format of primitive list' });
  t.deepEqual(failure(() => smp(pod(), { spec: { $retainKeys: 'x' } })), { code: 400, message: 'invalid patch format of retainKeys' });
  t.deepEqual(failure(() => smp(pod(), { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'zzz' }] } })), { code: 400, message: 'invalid patch format of setElementOrder list' });
  t.deepEqual(failure(() => smp(pod(), { spec: { $retainKeys: ['a'], b: 1 } })), { code: 400, message: 'invalid patch format of retainKeys' });
  t.deepEqual(failure(() => smp(pod(), { spec: { containers: [{ $patch: 'delete' }] } })), { code: 400, message: 'delete patch type with no merge key defined' });
  t.is(failure(() => smp(pod(), { metadata: { finalizers: [['nested']] } }))?.code, 422);
  t.is(failure(() => smp(pod(), { spec: { containers: [{ name: 'web', $patch: 'merge' }] } }))?.code, 400);
  t.is(failure(() => smp(pod(), { metadata: { labels: { $patch: 'bogus' } } }))?.code, 400);
});

test('a volume switched to another source: kubectl\'s $retainKeys inside the merged item drops the old source', (t) => {
  const out = smp(pod(), { spec: { '$setElementOrder/volumes': [{ name: 'data' }], volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, name: 'data' }] } });
  t.deepEqual(out.spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
});

test('new fields arrive with their directives applied and nulls dropped', (t) => {
  const out = smp({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} }, { spec: { containers: [{ name: 'a', image: 'i', env: [{ name: 'X', value: null }] }, { name: 'gone', $patch: 'delete' }] } });
  t.deepEqual(out.spec.containers, [{ name: 'a', image: 'i', env: [{ name: 'X' }] }]);
});
