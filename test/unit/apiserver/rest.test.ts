import test from 'ava';
import { pod, startFixture } from './fixture.js';

test('create, get, list, update with a stale resourceVersion, delete: the core verbs', async (t) => {
  const { call } = await startFixture(t);
  const created = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
  t.is(created.status, 201, created.text);
  t.truthy(created.json.metadata.uid);
  t.regex(created.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const rv = created.json.metadata.resourceVersion;
  const got = await call('GET', '/api/v1/namespaces/default/configmaps/a');
  t.is(got.status, 200);
  t.deepEqual(got.json.data, { k: 'v' });
  const updated = await call('PUT', '/api/v1/namespaces/default/configmaps/a', { ...got.json, data: { k: 'w' } });
  t.is(updated.status, 200, updated.text);
  t.not(updated.json.metadata.resourceVersion, rv);
  const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/a', { ...got.json, data: { k: 'x' } });
  t.is(stale.status, 409);
  t.is(stale.json.reason, 'Conflict');
  const list = await call('GET', '/api/v1/namespaces/default/configmaps');
  t.is(list.json.kind, 'ConfigMapList');
  t.deepEqual(list.json.items.map((i: any) => i.metadata.name), ['a']);
  const dup = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'a' } });
  t.is(dup.status, 409);
  t.is(dup.json.reason, 'AlreadyExists');
  t.is(dup.json.message, 'configmaps "a" already exists');
  const del = await call('DELETE', '/api/v1/namespaces/default/configmaps/a');
  t.is(del.status, 200);
  const gone = await call('GET', '/api/v1/namespaces/default/configmaps/a');
  t.is(gone.status, 404);
  t.is(gone.json.kind, 'Status');
  t.is(gone.json.message, 'configmaps "a" not found');
});

test('default namespaces exist; a missing namespace is 404 on create; generateName makes a name', async (t) => {
  const { call } = await startFixture(t);
  const nss = await call('GET', '/api/v1/namespaces');
  t.deepEqual(nss.json.items.map((n: any) => n.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const missing = await call('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'a' } });
  t.is(missing.status, 404);
  t.is(missing.json.message, 'namespaces "nope" not found');
  const gen = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'web-' } });
  t.is(gen.status, 201);
  t.regex(gen.json.metadata.name, /^web-[a-z0-9]{5}$/);
});

test('bad input gets a Status, never a 500', async (t) => {
  const { call } = await startFixture(t);
  const bad = await call('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": ');
  t.is(bad.status, 400);
  t.is(bad.json.kind, 'Status');
  const kind = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } });
  t.is(kind.status, 400);
  const ns = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'a', namespace: 'other' } });
  t.is(ns.status, 400);
  const noName = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: {} });
  t.is(noName.status, 422);
  t.is(noName.json.details.causes[0].field, 'metadata.name');
  const big = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'big' }, data: { x: 'x'.repeat(3.5 * 1024 * 1024) } });
  t.is(big.status, 413);
  const unknown = await call('GET', '/apis/apps/v1/namespaces/default/widgets');
  t.is(unknown.status, 404);
  const sel = await call('GET', '/api/v1/pods?labelSelector=a%20in%20(b');
  t.is(sel.status, 400);
  const field = await call('GET', '/api/v1/pods?fieldSelector=spec.foo%3Dbar');
  t.is(field.status, 400);
  t.is(field.json.message, 'field label not supported: spec.foo');
  const yaml = await call('POST', '/api/v1/namespaces/default/configmaps', 'metadata:\n  name: y\ndata: {a: b}\n', { 'Content-Type': 'application/yaml' });
  t.is(yaml.status, 201, yaml.text);
  t.deepEqual(yaml.json.data, { a: 'b' });
});

test('anonymous requests are system:anonymous and get 403, health and version are public', async (t) => {
  const { call } = await startFixture(t);
  t.is((await call('GET', '/api/v1/pods', undefined, {}, { cert: false })).status, 403);
  const h = await call('GET', '/healthz', undefined, {}, { cert: false });
  t.is(h.status, 200);
  t.is(h.text, 'ok');
  const v = await call('GET', '/version', undefined, {}, { cert: false });
  t.is(v.json.major, '1');
});

test('pods: graceful deletion keeps a scheduled pod, an unscheduled one goes at once; binding sets the node once', async (t) => {
  const { call } = await startFixture(t);
  t.is((await call('POST', '/api/v1/namespaces/default/pods', pod('loose'))).status, 201);
  const d1 = await call('DELETE', '/api/v1/namespaces/default/pods/loose');
  t.is(d1.status, 200);
  t.is((await call('GET', '/api/v1/namespaces/default/pods/loose')).status, 404);

  t.is((await call('POST', '/api/v1/namespaces/default/pods', pod('bound'))).status, 201);
  const bind = await call('POST', '/api/v1/namespaces/default/pods/bound/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } });
  t.is(bind.status, 201, bind.text);
  const again = await call('POST', '/api/v1/namespaces/default/pods/bound/binding', { metadata: { name: 'bound' }, target: { name: 'n2' } });
  t.is(again.status, 409);
  const got = await call('GET', '/api/v1/namespaces/default/pods/bound');
  t.is(got.json.spec.nodeName, 'n1');
  t.is(got.json.status.conditions[0].type, 'PodScheduled');
  const d2 = await call('DELETE', '/api/v1/namespaces/default/pods/bound');
  t.is(d2.status, 200);
  t.is(d2.json.metadata.deletionGracePeriodSeconds, 30);
  t.truthy(d2.json.metadata.deletionTimestamp);
  t.is((await call('GET', '/api/v1/namespaces/default/pods/bound')).status, 200);
  const d3 = await call('DELETE', '/api/v1/namespaces/default/pods/bound', { gracePeriodSeconds: 0 });
  t.is(d3.status, 200, d3.text);
  t.is((await call('GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
});

test('a bound pod deleted with a grace of millions of years waits until year 9999; past 2^53 it is a 400', async (t) => {
  const { call } = await startFixture(t);
  t.is((await call('POST', '/api/v1/namespaces/default/pods', { ...pod('long'), spec: { ...pod('long').spec, nodeName: 'n1' } })).status, 201);
  // Both were a 500 'Invalid time value': the deletion time was past what a Date holds.
  t.is((await call('DELETE', '/api/v1/namespaces/default/pods/long', { gracePeriodSeconds: 1e300 })).status, 400);
  const d = await call('DELETE', '/api/v1/namespaces/default/pods/long', { gracePeriodSeconds: 99999999999999 });
  t.is(d.status, 200, d.text);
  t.is(d.json.metadata.deletionTimestamp, '9999-12-31T23:59:59Z');
  t.is(d.json.metadata.deletionGracePeriodSeconds, 99999999999999);
});

test('finalizers hold an object until removed', async (t) => {
  const { call } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'f', finalizers: ['example.com/x'] } });
  const d = await call('DELETE', '/api/v1/namespaces/default/configmaps/f');
  t.is(d.status, 200);
  const held = await call('GET', '/api/v1/namespaces/default/configmaps/f');
  t.truthy(held.json.metadata.deletionTimestamp);
  const p = await call('PATCH', '/api/v1/namespaces/default/configmaps/f', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(p.status, 200, p.text);
  t.is((await call('GET', '/api/v1/namespaces/default/configmaps/f')).status, 404);
});

test('status and scale subresources; generation bumps on spec changes only', async (t) => {
  const { call } = await startFixture(t);
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    status: { replicas: 9 },
  };
  const c = await call('POST', '/apis/apps/v1/namespaces/default/deployments', dep);
  t.is(c.status, 201, c.text);
  t.is(c.json.metadata.generation, 1);
  t.deepEqual(c.json.status, {});
  const st = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { ...c.json, spec: { ...c.json.spec, replicas: 5 }, status: { replicas: 1 } });
  t.is(st.status, 200, st.text);
  t.is(st.json.status.replicas, 1);
  t.is(st.json.spec.replicas, 1);
  t.is(st.json.metadata.generation, 1);
  const scale = await call('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
  t.like(scale.json, { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=web' } });
  const s2 = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(s2.status, 200, s2.text);
  t.is(s2.json.spec.replicas, 3);
  const after = await call('GET', '/apis/apps/v1/namespaces/default/deployments/web');
  t.is(after.json.spec.replicas, 3);
  t.is(after.json.metadata.generation, 2);
  t.is(after.json.status.replicas, 1);
});

test('namespace deletion empties it and then removes it', async (t) => {
  const { call } = await startFixture(t);
  t.is((await call('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } })).status, 201);
  await call('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'a' } });
  const d = await call('DELETE', '/api/v1/namespaces/doomed');
  t.is(d.status, 200);
  t.is(d.json.status.phase, 'Terminating');
  const refused = await call('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'b' } });
  t.true(refused.status === 403 || refused.status === 404);
  for (let i = 0; i < 200 && (await call('GET', '/api/v1/namespaces/doomed')).status !== 404; i++) await new Promise((r) => setTimeout(r, 25));
  t.is((await call('GET', '/api/v1/namespaces/doomed')).status, 404);
  t.is((await call('GET', '/api/v1/namespaces/doomed/configmaps')).json.items.length, 0);
});
