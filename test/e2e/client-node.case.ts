// @kubernetes/client-node (the official JS client, unmodified) against `skiff server`, as cases
// a runner calls per store backend (client-node.test.ts: SQLite, client-node-etcd.test.ts:
// etcd). Run `npm run build:js` first. Each test works in its own namespace of one server,
// except the restart test, which owns its server (and, on etcd, its etcd: it compacts).
import { ListWatch, makeInformer, PatchStrategy, setHeaderOptions, Watch, type KubernetesObject, type V1ConfigMap, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type { ExecutionContext, TestFn } from 'ava';
import { disposeServer, openBackend, type Backend, type BackendName } from './backends.js';
import { clientsFor, configMap, Recorder, statusOf, unique, type Clients } from './client-node-kit.js';
import type { RunningServer } from './skiff-server.js';

interface Context { backend: Backend; server: RunningServer; clients: Clients }
type T = ExecutionContext<Context>;

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** A fresh namespace, deleted (without waiting) when the test ends. */
async function namespace(t: T, c: Clients = t.context.clients): Promise<string> {
  const ns = unique('cn');
  await c.core.createNamespace({ body: { metadata: { name: ns } } });
  t.teardown(async () => { await c.core.deleteNamespace({ name: ns }).catch(() => {}); });
  return ns;
}

const pod = (name: string, labels: Record<string, string>, nodeName?: string): V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});

const deployment = (name: string, image: string, replicas = 1): V1Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, env: [{ name: 'A', value: '1' }] }] } },
  },
});

// Every namespace holds the kube-root-ca.crt ConfigMap from its start, as upstream's do.
const ROOT_CA = 'kube-root-ca.crt';
const ours = (o: KubernetesObject) => o.metadata?.name !== ROOT_CA;
const names = (items: readonly KubernetesObject[]) => items.filter(ours).map((o) => o.metadata!.name!).sort();

/** Registers the client-node scenarios on `anyTest`, against servers on backend `name`. */
export function clientNodeCases(anyTest: TestFn, name: BackendName): void {
  const test = anyTest as TestFn<Context>;

  test.before(async (t) => {
    t.context.backend = await openBackend(name);
    t.context.server = await t.context.backend.start();
    t.context.clients = clientsFor(t.context.server);
  });
  test.after.always(async (t) => {
    await disposeServer(t.context.server);
    await t.context.backend?.close();
  });

  test('create, get, list, replace with a stale resourceVersion (409), delete (then 404)', async (t) => {
    const { core } = t.context.clients;
    const ns = await namespace(t);
    const made = await core.createNamespacedConfigMap({ namespace: ns, body: configMap('one') });
    t.regex(made.metadata!.uid!, /^[0-9a-f-]{36}$/);
    t.truthy(made.metadata!.creationTimestamp);
    const generated = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' }, data: {} } });
    t.regex(generated.metadata!.name!, /^gen-[a-z0-9]{5}$/);
    t.is((await statusOf(core.createNamespacedConfigMap({ namespace: ns, body: configMap('one') }))).reason, 'AlreadyExists');
    const got = await core.readNamespacedConfigMap({ name: 'one', namespace: ns });
    t.deepEqual(got.data, { k: 'v' });
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    t.deepEqual(names(list.items), ['one', generated.metadata!.name!].sort());
    t.true(Number(list.metadata!.resourceVersion) >= Number(got.metadata!.resourceVersion));
    const replaced = await core.replaceNamespacedConfigMap({ name: 'one', namespace: ns, body: { ...got, data: { k: 'v2' } } });
    t.true(Number(replaced.metadata!.resourceVersion) > Number(got.metadata!.resourceVersion));
    const stale = await statusOf(core.replaceNamespacedConfigMap({ name: 'one', namespace: ns, body: { ...got, data: { k: 'v3' } } }));
    t.is(stale.code, 409);
    t.is(stale.reason, 'Conflict');
    await core.deleteNamespacedConfigMap({ name: 'one', namespace: ns });
    const gone = await statusOf(core.readNamespacedConfigMap({ name: 'one', namespace: ns }));
    t.is(gone.code, 404);
    t.is(gone.reason, 'NotFound');
  });

  test('list in chunks: limit and continue', async (t) => {
    const { core } = t.context.clients;
    const ns = await namespace(t);
    for (const n of ['a', 'b', 'c', 'd', 'e']) await core.createNamespacedConfigMap({ namespace: ns, body: configMap(n) });
    const first = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    t.deepEqual(names(first.items), ['a', 'b']);
    t.is(first.metadata!.remainingItemCount, 4, 'c, d, e and kube-root-ca.crt');
    const second = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: first.metadata!._continue! });
    t.deepEqual(names(second.items), ['c', 'd']);
    const last = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: second.metadata!._continue! });
    t.deepEqual(names(last.items), ['e']);
    t.falsy(last.metadata!._continue);
  });

  test('patch: JSON merge, strategic merge (containers by name), JSON patch', async (t) => {
    const { apps, core } = t.context.clients;
    const ns = await namespace(t);
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 'nginx:1') });
    t.is((await statusOf(core.patchNamespacedConfigMap({ name: 'm', namespace: ns, body: {} }, merge))).code, 404);
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('m', { a: '1', b: '2' }) });
    const m = await core.patchNamespacedConfigMap({ name: 'm', namespace: ns, body: { metadata: { labels: { env: 'prod' } }, data: { a: null, c: '3' } } }, merge);
    t.deepEqual(m.data, { b: '2', c: '3' });
    t.deepEqual(m.metadata!.labels, { env: 'prod' });
    // Strategic: the container list merges by name, so env survives and a sidecar is added.
    const s = await apps.patchNamespacedDeployment({
      name: 'web', namespace: ns,
      body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }, { name: 'side', image: 'busybox' }] } } } },
    }, strategic);
    const containers = s.spec!.template.spec!.containers;
    t.deepEqual(containers.map((c) => [c.name, c.image]), [['web', 'nginx:2'], ['side', 'busybox']]);
    t.deepEqual(containers[0]!.env?.map((e) => [e.name, e.value]), [['A', '1']]);
    t.is(s.metadata!.generation, 2);
    const j = await apps.patchNamespacedDeployment({
      name: 'web', namespace: ns,
      body: [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 4 }, { op: 'remove', path: '/spec/template/spec/containers/1' }],
    }, jsonPatch);
    t.is(j.spec!.replicas, 4);
    t.is(j.spec!.template.spec!.containers.length, 1);
    const failed = await statusOf(apps.patchNamespacedDeployment({ name: 'web', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 1 }] }, jsonPatch));
    t.is(failed.code, 422);
  });

  test('server-side apply: create, update by the same manager, conflict with another, force', async (t) => {
    const { apps } = t.context.clients;
    const ns = await namespace(t);
    const body = deployment('ssa', 'nginx:1', 2);
    const created = await apps.patchNamespacedDeployment({ name: 'ssa', namespace: ns, body, fieldManager: 'e2e-a' }, apply);
    t.is(created.spec!.replicas, 2);
    t.true(created.metadata!.managedFields!.some((f) => f.manager === 'e2e-a' && f.operation === 'Apply'));
    const updated = await apps.patchNamespacedDeployment({ name: 'ssa', namespace: ns, body: deployment('ssa', 'nginx:2', 2), fieldManager: 'e2e-a' }, apply);
    t.is(updated.spec!.template.spec!.containers[0]!.image, 'nginx:2');
    const conflict = await statusOf(apps.patchNamespacedDeployment({ name: 'ssa', namespace: ns, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa' }, spec: { replicas: 5 } }, fieldManager: 'e2e-b' }, apply));
    t.is(conflict.code, 409);
    t.regex(conflict.message ?? '', /conflict.*e2e-a.*\.spec\.replicas/is);
    const forced = await apps.patchNamespacedDeployment({ name: 'ssa', namespace: ns, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa' }, spec: { replicas: 5 } }, fieldManager: 'e2e-b', force: true }, apply);
    t.is(forced.spec!.replicas, 5);
    t.true(forced.metadata!.managedFields!.some((f) => f.manager === 'e2e-b'));
  });

  test('label and field selectors on list', async (t) => {
    const { core } = t.context.clients;
    const ns = await namespace(t);
    await core.createNamespacedPod({ namespace: ns, body: pod('fe-1', { tier: 'fe', env: 'prod' }, 'node-a') });
    await core.createNamespacedPod({ namespace: ns, body: pod('fe-2', { tier: 'fe', env: 'dev' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('be-1', { tier: 'be' }, 'node-a') });
    const byLabel = async (labelSelector: string) => names((await core.listNamespacedPod({ namespace: ns, labelSelector })).items);
    const byField = async (fieldSelector: string) => names((await core.listNamespacedPod({ namespace: ns, fieldSelector })).items);
    t.deepEqual(await byLabel('tier=fe'), ['fe-1', 'fe-2']);
    t.deepEqual(await byLabel('tier=fe,env!=prod'), ['fe-2']);
    t.deepEqual(await byLabel('env in (prod,dev),tier notin (be)'), ['fe-1', 'fe-2']);
    t.deepEqual(await byLabel('!env'), ['be-1']);
    t.deepEqual(await byField('spec.nodeName=node-a'), ['be-1', 'fe-1']);
    t.deepEqual(await byField('metadata.name=fe-2,status.phase=Pending'), ['fe-2']);
    t.deepEqual(await byField('spec.nodeName!=node-a'), ['fe-2']);
    t.is((await statusOf(core.listNamespacedPod({ namespace: ns, labelSelector: 'tier in fe' }))).code, 400);
    t.is((await statusOf(core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.bogus=x' }))).code, 400);
  });

  test('status subresource: status and metadata change through it, spec does not; field selectors see the new phase', async (t) => {
    const { core } = t.context.clients;
    const ns = await namespace(t);
    await core.createNamespacedPod({ namespace: ns, body: pod('p', { a: 'b' }) });
    const patched = await core.patchNamespacedPodStatus({
      name: 'p', namespace: ns,
      body: { metadata: { labels: { added: 'yes' } }, spec: { activeDeadlineSeconds: 5 }, status: { phase: 'Running', podIP: '10.244.0.9' } },
    }, merge);
    t.is(patched.status!.phase, 'Running');
    // As upstream's pod status strategy: spec is reset, metadata changes go through.
    t.is(patched.metadata!.labels!.added, 'yes', 'metadata changes through status are kept');
    t.is(patched.spec!.activeDeadlineSeconds, undefined, 'spec changes through status are dropped');
    const viaMain = await core.patchNamespacedPod({ name: 'p', namespace: ns, body: { status: { phase: 'Failed' } } }, merge);
    t.is(viaMain.status!.phase, 'Running', 'status changes through the main resource are dropped');
    const running = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running' });
    t.deepEqual(names(running.items), ['p']);
  });

  test('scale subresource: read and replace spec.replicas of a deployment', async (t) => {
    const { apps } = t.context.clients;
    const ns = await namespace(t);
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('sc', 'nginx:1', 1) });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'sc', namespace: ns });
    t.is(scale.kind, 'Scale');
    t.is(scale.spec!.replicas, 1);
    await apps.replaceNamespacedDeploymentScale({ name: 'sc', namespace: ns, body: { ...scale, spec: { replicas: 3 } } });
    t.is((await apps.readNamespacedDeployment({ name: 'sc', namespace: ns })).spec!.replicas, 3);
    const patched = await apps.patchNamespacedDeploymentScale({ name: 'sc', namespace: ns, body: { spec: { replicas: 0 } } }, merge);
    t.is(patched.spec!.replicas, 0);
  });

  test('watch from a list resourceVersion: ADDED, MODIFIED, DELETED in order', async (t) => {
    const { core, kc } = t.context.clients;
    const ns = await namespace(t);
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('before') });
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const events = new Recorder();
    const ended = new Recorder();
    const req = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata!.resourceVersion },
      (type: string, obj: V1ConfigMap) => ours(obj) && events.push(`${type}:${obj.metadata?.name}`),
      (err: unknown) => ended.push(String(err)));
    t.teardown(() => req.abort());
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('w') });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: ns, body: { data: { k: 'v2' } } }, merge);
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: ns });
    await events.waitFor('DELETED:w');
    t.deepEqual(events.seen, ['ADDED:w', 'MODIFIED:w', 'DELETED:w'], 'nothing from before the resourceVersion');
    t.deepEqual(ended.seen, []);
  });

  test('informer (makeInformer): adds, updates and deletes reach the cache and the callbacks', async (t) => {
    const { core, kc } = t.context.clients;
    const ns = await namespace(t);
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('pre') });
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    const events = new Recorder();
    informer.on('add', (o) => ours(o) && events.push(`add:${o.metadata!.name}`));
    informer.on('update', (o) => ours(o) && events.push(`update:${o.metadata!.name}:${o.data?.k}`));
    informer.on('delete', (o) => ours(o) && events.push(`delete:${o.metadata!.name}`));
    informer.on('error', (err) => events.push(`error:${String(err)}`));
    await informer.start();
    t.teardown(() => informer.stop());
    await events.waitFor('add:pre');
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('x') });
    await events.waitFor('add:x');
    await core.patchNamespacedConfigMap({ name: 'x', namespace: ns, body: { data: { k: 'v2' } } }, merge);
    await events.waitFor('update:x:v2');
    await core.deleteNamespacedConfigMap({ name: 'pre', namespace: ns });
    await events.waitFor('delete:pre');
    t.deepEqual(names(informer.list(ns)), ['x']);
    t.is(informer.get('x', ns)?.data?.k, 'v2');
    t.false(events.seen.some((e) => e.startsWith('error:')), events.seen.join('\n'));
  });

  // On etcd the DELETED of an object last written before the compaction comes without its old
  // value (etcd cannot read a compacted revision): the server sends a tombstone, as it must.
  test('informer survives kill -9 and a compaction past its resourceVersion: 410, relist, events again', async (t) => {
    // Its own backend: compacting a shared etcd would end the other tests' watches.
    const backend = await openBackend(name);
    t.teardown(() => backend.close());
    const first = await backend.start();
    t.teardown(() => disposeServer(first, 'SIGKILL'));
    const c = clientsFor(first);
    const [ns, other] = [await namespace(t, c), await namespace(t, c)];
    let lists = 0;
    const informer = makeInformer<V1ConfigMap>(c.kc, `/api/v1/namespaces/${ns}/configmaps`, () => {
      lists++;
      return c.core.listNamespacedConfigMap({ namespace: ns });
    });
    const events = new Recorder();
    let stopped = false;
    informer.on('add', (o) => ours(o) && events.push(`add:${o.metadata!.name}`));
    informer.on('update', (o) => ours(o) && events.push(`update:${o.metadata!.name}:${o.data?.k}`));
    informer.on('delete', (o) => ours(o) && events.push(`delete:${o.metadata!.name}`));
    // client-node leaves restarting after a connection error to its user, as its docs show.
    informer.on('error', () => { if (!stopped) setTimeout(() => { if (!stopped) void informer.start(); }, 100); });
    t.teardown(async () => { stopped = true; await informer.stop(); });
    await informer.start();
    await c.core.createNamespacedConfigMap({ namespace: ns, body: configMap('kept') });
    await c.core.createNamespacedConfigMap({ namespace: ns, body: configMap('doomed') });
    await c.core.patchNamespacedConfigMap({ name: 'kept', namespace: ns, body: { data: { k: 'v2' } } }, merge);
    await c.core.deleteNamespacedConfigMap({ name: 'doomed', namespace: ns });
    await events.waitFor('delete:doomed');
    t.deepEqual(events.seen, ['add:kept', 'add:doomed', 'update:kept:v2', 'delete:doomed']);
    if (!(informer instanceof ListWatch)) throw new Error('makeInformer is expected to return a ListWatch');
    const seenRv = informer.latestResourceVersion();
    // Writes the informer does not watch move the store past seenRv; compacting there makes seenRv
    // too old. Two of them: etcd still serves a watch from the compaction revision itself.
    await c.core.createNamespacedConfigMap({ namespace: other, body: configMap('elsewhere') });
    await c.core.createNamespacedConfigMap({ namespace: other, body: configMap('elsewhere-too') });
    const listsBefore = lists;

    await first.stop('SIGKILL');
    const store = await backend.openStore(first);
    try {
      const head = await store.revision();
      t.true(head >= Number(seenRv) + 2);
      await store.compact(head);
    } finally {
      await store.close();
    }
    const second = await backend.start({ dir: first.dir, port: first.port });
    t.teardown(() => second.stop());

    // What the server answers a watch from seenRv: an ERROR event with a 410 Expired Status.
    const direct = new Recorder();
    await new Watch(c.kc).watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: seenRv },
      (type: string, obj: { code?: number; reason?: string }) => direct.push(`${type}:${obj.code}:${obj.reason}`), () => direct.push('done'));
    await direct.waitFor('done');
    t.deepEqual(direct.seen, ['ERROR:410:Expired', 'done']);

    await c.core.createNamespacedConfigMap({ namespace: ns, body: configMap('after') });
    await events.waitFor('add:after');
    t.true(lists > listsBefore, 'the informer relisted');
    await c.core.patchNamespacedConfigMap({ name: 'after', namespace: ns, body: { data: { k: 'v3' } } }, merge);
    await events.waitFor('update:after:v3');
    await c.core.deleteNamespacedConfigMap({ name: 'kept', namespace: ns });
    await events.waitFor('delete:kept');
    t.deepEqual(names(informer.list(ns)), ['after']);
  });
}
