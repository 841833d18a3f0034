import test from 'ava';
import type { KubeObject, Status } from '../../../src/api/types.js';
import { ApiStatusError, isAlreadyExists, isConflict, isGone, isNotFound } from '../../../src/client/errors.js';
import type { WatchEvent } from '../../../src/client/resource.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { POD, podObject, startClientFixture } from './client-fixture.js';

const caught = async (p: Promise<unknown>): Promise<ApiStatusError> => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof ApiStatusError)) throw new Error(`expected an ApiStatusError, got ${String(e)}`);
  return e;
};

test('get/create/update/list: objects round-trip; errors carry the server\'s Status and classify', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<KubeObject>(POD, 'default');
  const made = await pods.create(podObject('a', { app: 'x' }));
  t.is(made.metadata.namespace, 'default');
  t.truthy(made.metadata.uid);
  t.is((await pods.get('a')).metadata.uid, made.metadata.uid);

  const missing = await caught(pods.get('nope'));
  t.true(isNotFound(missing));
  t.false(isConflict(missing));
  t.like(missing.status, { code: 404, reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } });

  const dup = await caught(pods.create(podObject('a')));
  t.true(isAlreadyExists(dup));
  t.is(dup.code, 409);

  const updated = await pods.update({ ...made, metadata: { ...made.metadata, labels: { app: 'y' } } });
  t.deepEqual(updated.metadata.labels, { app: 'y' });
  const stale = await caught(pods.update({ ...made, metadata: { ...made.metadata, labels: { app: 'z' } } }));
  t.true(isConflict(stale));
  t.false(isAlreadyExists(stale));
});

test('list: label and field selectors, pages with limit/continue, resourceVersion; all namespaces when unbound', async (t) => {
  const { client } = await startClientFixture(t);
  const ns = client.resource(POD, 'default');
  for (const [name, app] of [['p1', 'web'], ['p2', 'web'], ['p3', 'db']] as const) await ns.create(podObject(name, { app }));
  await client.resource({ group: '', version: 'v1', plural: 'namespaces' }).create({ metadata: { name: 'other' } });
  await client.resource(POD, 'other').create(podObject('q1', { app: 'web' }));

  t.deepEqual((await ns.list({ labelSelector: 'app=web' })).items.map((p) => p.metadata.name), ['p1', 'p2']);
  t.deepEqual((await ns.list({ fieldSelector: 'metadata.name=p3' })).items.map((p) => p.metadata.name), ['p3']);
  const all = await client.resource(POD).list({ labelSelector: 'app=web' });
  t.deepEqual(all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), ['default/p1', 'default/p2', 'other/q1']);
  t.truthy(all.metadata.resourceVersion);

  const first = await ns.list({ limit: 2 });
  t.is(first.items.length, 2);
  t.truthy(first.metadata.continue);
  const second = await ns.list({ limit: 2, continue: first.metadata.continue ?? '' });
  t.deepEqual([...first.items, ...second.items].map((p) => p.metadata.name), ['p1', 'p2', 'p3']);
  t.falsy(second.metadata.continue);

  const bad = await caught(ns.list({ labelSelector: 'app in (' }));
  t.is(bad.code, 400);
});

test('updateStatus writes only status; patch in all four types; apply conflicts without force', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<KubeObject>(POD, 'default');
  const made = await pods.create(podObject('s'));
  const withStatus = await pods.updateStatus({ ...made, spec: { containers: [{ name: 'c', image: 'ignored' }] }, status: { phase: 'Running' } });
  t.like(withStatus, { status: { phase: 'Running' }, spec: { containers: [{ image: 'busybox' }] } });

  t.deepEqual((await pods.patch('s', 'merge', { metadata: { labels: { m: '1' } } })).metadata.labels, { m: '1' });
  const strategic = await pods.patch('s', 'strategic', { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } });
  t.deepEqual((strategic['spec'] as { containers: { name: string; image: string }[] }).containers.map((c) => c.image), ['busybox:2']);
  t.deepEqual((await pods.patch('s', 'json', [{ op: 'add', path: '/metadata/labels/j', value: '2' }])).metadata.labels, { m: '1', j: '2' });
  t.like(await pods.patch('s', 'merge', { status: { message: 'hi' } }, { subresource: 'status' }), { status: { phase: 'Running', message: 'hi' } });

  const applied = await pods.patch('s', 'apply', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's', labels: { a: 'mine' } } }, { fieldManager: 'tool-a' });
  t.is(applied.metadata.labels?.['a'], 'mine');
  t.true((applied.metadata.managedFields ?? []).some((m) => m.manager === 'tool-a' && m.operation === 'Apply'));
  await pods.patch('s', 'apply', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's', labels: { k: 'a' } } }, { fieldManager: 'owner-a' });
  const conflict = await caught(pods.patch('s', 'apply', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's', labels: { k: 'b' } } }, { fieldManager: 'owner-b' }));
  t.true(isConflict(conflict));
  t.is((await pods.patch('s', 'apply', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's', labels: { k: 'b' } } }, { fieldManager: 'owner-b', force: true })).metadata.labels?.['k'], 'b');
  t.throws(() => pods.patch('s', 'apply', {}), { instanceOf: TypeError });
});

test('delete: a failed precondition is Conflict; a gone object answers with it, a missing one is NotFound', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<KubeObject>(POD, 'default');
  const made = await pods.create(podObject('d'));
  const wrong = await caught(pods.delete('d', { preconditions: { uid: 'not-the-uid' } }));
  t.true(isConflict(wrong));
  await pods.delete('d', { preconditions: { uid: made.metadata.uid ?? '' }, gracePeriodSeconds: 0 });
  t.true(isNotFound(await caught(pods.get('d'))));
  t.true(isNotFound(await caught(pods.delete('d'))));
  const dry = await pods.create(podObject('e'));
  await pods.delete('e', { dryRun: true });
  t.is((await pods.get('e')).metadata.uid, dry.metadata.uid);
});

test('subresources: pods/binding sets spec.nodeName, pods/eviction deletes', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<KubeObject>(POD, 'default');
  await pods.create(podObject('b'));
  await pods.createSubresource('b', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { kind: 'Node', name: 'node-1' } });
  t.like(await pods.get('b'), { spec: { nodeName: 'node-1' } });
  await pods.createSubresource('b', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'b', namespace: 'default' } });
  const gone = await pods.get('b').then((p) => p.metadata.deletionTimestamp ? 'terminating' : 'still there', (e: unknown) => (isNotFound(e) ? 'deleted' : String(e)));
  t.is(gone, 'terminating'); // bound to a node: deleted gracefully, the kubelet finishes it
});

test('watch: events after the list\'s resourceVersion, bookmarks, a clean end on abort, 410 as isGone', async (t) => {
  const f = await startClientFixture(t, { bookmarkIntervalMs: 50 });
  const pods = f.client.resource<KubeObject>(POD, 'default');
  const { metadata } = await pods.list();
  const abort = new AbortController();
  const seen: WatchEvent<KubeObject>[] = [];
  const done = (async () => {
    for await (const e of pods.watch({ resourceVersion: metadata.resourceVersion ?? '', allowWatchBookmarks: true, signal: abort.signal })) {
      seen.push(e);
      if (e.type === 'ADDED') await pods.delete(e.object.metadata.name ?? '', { gracePeriodSeconds: 0 });
      if (seen.some((s) => s.type === 'DELETED') && seen.some((s) => s.type === 'BOOKMARK')) abort.abort();
    }
  })();
  await pods.create(podObject('w'));
  await done; // ends without throwing although the stream was cut
  const types = seen.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`);
  t.deepEqual(types.filter((s) => !s.startsWith('MODIFIED')), ['ADDED w', 'DELETED w']);
  const bookmark = seen.find((e) => e.type === 'BOOKMARK');
  t.truthy(bookmark?.object.metadata.resourceVersion);

  // A revision from before the watch cache began, compacted in the store.
  await f.store.compact(await f.store.revision());
  const expired = await caught((async () => { for await (const e of pods.watch({ resourceVersion: '1' })) void e; })());
  t.true(isGone(expired));
  t.is(expired.code, 410);
});

test('a bearer token from tokenFile is sent (an unknown one is 401, not the anonymous 403); a non-Status error body still becomes a Status', async (t) => {
  const f = await startClientFixture(t);
  const files = new FakeFiles();
  await files.write('/token', 'not-a-real-token\n');
  const withToken = f.clientWith({ tokenFile: '/token' }, files);
  const unauthorized = await caught(withToken.resource(POD, 'default').list());
  t.like(unauthorized.status, { code: 401, reason: 'Unauthorized' });
  const anonymous = await caught(f.clientWith({}).resource(POD, 'default').list());
  t.is(anonymous.code, 403);

  const odd = await caught(f.client.rest.call<Status>({ method: 'GET', path: '/no/such/path' }));
  t.is(odd.code, 404);
  t.is(odd.reason, 'NotFound');
  t.true(isNotFound(odd));
});

test('watch: the server\'s timeoutSeconds ends the iterator without an error', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<KubeObject>(POD, 'default');
  const events: WatchEvent<KubeObject>[] = [];
  for await (const e of pods.watch({ timeoutSeconds: 1 })) events.push(e);
  t.deepEqual(events, []);
});
