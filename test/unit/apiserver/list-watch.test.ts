import test from 'ava';
import { startFixture } from './fixture.js';

const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels } });

test('limit/continue pages through a consistent snapshot; remainingItemCount without selectors', async (t) => {
  const { call } = await startFixture(t);
  for (const n of ['a', 'b', 'c', 'd', 'e']) t.is((await call('POST', '/api/v1/namespaces/default/configmaps', cm(n))).status, 201);
  const p1 = await call('GET', '/api/v1/namespaces/default/configmaps?limit=2');
  t.deepEqual(p1.json.items.map((i: any) => i.metadata.name), ['a', 'b']);
  t.is(p1.json.metadata.remainingItemCount, 3);
  // Written after the first page: not in the snapshot the token reads.
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('bb'));
  const p2 = await call('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${p1.json.metadata.continue}`);
  t.deepEqual(p2.json.items.map((i: any) => i.metadata.name), ['c', 'd']);
  t.is(p2.json.metadata.resourceVersion, p1.json.metadata.resourceVersion);
  const p3 = await call('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${p2.json.metadata.continue}`);
  t.deepEqual(p3.json.items.map((i: any) => i.metadata.name), ['e']);
  t.is(p3.json.metadata.continue, undefined);
  const bad = await call('GET', '/api/v1/namespaces/default/configmaps?limit=2&continue=garbage');
  t.is(bad.status, 400);
});

test('limit with a label selector fills pages with matches only', async (t) => {
  const { call } = await startFixture(t);
  for (let i = 0; i < 10; i++) await call('POST', '/api/v1/namespaces/default/configmaps', cm(`c${i}`, { even: String(i % 2 === 0) }));
  const p1 = await call('GET', '/api/v1/namespaces/default/configmaps?limit=2&labelSelector=even%3Dtrue');
  t.deepEqual(p1.json.items.map((i: any) => i.metadata.name), ['c0', 'c2']);
  t.truthy(p1.json.metadata.continue);
  const rest = await call('GET', `/api/v1/namespaces/default/configmaps?labelSelector=even%3Dtrue&limit=10&continue=${p1.json.metadata.continue}`);
  t.deepEqual(rest.json.items.map((i: any) => i.metadata.name), ['c4', 'c6', 'c8']);
  const notin = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=even%20notin%20(true),!missing');
  t.is(notin.json.items.length, 5);
});

test('list at an exact resourceVersion sees the past; a future one is a 504 Timeout', async (t) => {
  const { call } = await startFixture(t);
  const a = await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('b'));
  const past = await call('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${a.json.metadata.resourceVersion}&resourceVersionMatch=Exact`);
  t.deepEqual(past.json.items.map((i: any) => i.metadata.name), ['a']);
  const any = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=0');
  t.is(any.json.items.length, 2);
  const future = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=999999');
  t.is(future.status, 504);
  const bad = await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=abc');
  t.is(bad.status, 400);
});

test('watch: initial ADDED without resourceVersion, then MODIFIED/DELETED; selector exits are DELETED', async (t) => {
  const { call, watch } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('w1', { app: 'x' }));
  const w = watch('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dx');
  const [added] = await w.next(1);
  t.is(added.type, 'ADDED');
  t.is(added.object.metadata.name, 'w1');
  await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { data: { a: 'b' } }, { 'Content-Type': 'application/merge-patch+json' });
  await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { metadata: { labels: { app: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('other'));
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('w2', { app: 'x' }));
  await call('DELETE', '/api/v1/namespaces/default/configmaps/w2');
  const events = await w.next(5);
  t.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1', 'ADDED w2', 'DELETED w2']);
  t.true(Number(events[4].object.metadata.resourceVersion) > Number(events[3].object.metadata.resourceVersion));
});

test('watch from a resourceVersion replays what followed it; a compacted one is an ERROR 410', async (t) => {
  const { call, watch, store } = await startFixture(t);
  const a = await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('b'));
  const w = watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${a.json.metadata.resourceVersion}`);
  const [ev] = await w.next(1);
  t.is(`${ev.type} ${ev.object.metadata.name}`, 'ADDED b');
  await store.compact(await store.revision());
  const old = watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${a.json.metadata.resourceVersion}`);
  const [err] = await old.next(1);
  t.is(err.type, 'ERROR');
  t.is(err.object.code, 410);
  t.is(err.object.reason, 'Expired');
});

test('watch bookmarks when allowed; timeoutSeconds ends the stream', async (t) => {
  const { call, watch } = await startFixture(t, { bookmarkIntervalMs: 50 });
  const c = await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  const w = watch(`/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${Number(c.json.metadata.resourceVersion) - 1}`);
  const events = await w.next(2);
  t.is(events[1].type, 'BOOKMARK');
  t.is(events[1].object.metadata.resourceVersion, c.json.metadata.resourceVersion);
  w.stop();
  const ended = await call('GET', '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1');
  t.is(ended.status, 200);
  t.regex(ended.text, /"type":"ADDED"/);
});

test('a bookmark carries the watch cache\'s revision, so a watch that nothing passes still learns how far it got', async (t) => {
  const { call, watch } = await startFixture(t, { bookmarkIntervalMs: 50 });
  const base = '/api/v1/namespaces/default/configmaps';
  // The watch cache of configmaps runs from before `rv` (a first watch starts it), as upstream's always does.
  const first = watch(`${base}?watch=1`);
  await call('POST', base, cm('warm'));
  await first.next(1);
  first.stop();
  const rv = (await call('POST', base, cm('a'))).json.metadata.resourceVersion;
  // Upstream's cacher stamps bookmarks with its own revision; the watch's last event (none
  // here: another namespace, a selector nothing matches) would leave these clients at `rv`.
  const elsewhere = watch(`/api/v1/namespaces/other/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`);
  const unmatched = watch(`${base}?watch=1&allowWatchBookmarks=true&labelSelector=app%3Dnone&resourceVersion=${rv}`);
  const later = (await call('POST', base, cm('b'))).json.metadata.resourceVersion;
  for (const w of [elsewhere, unmatched]) {
    const [bookmark] = await w.next(1);
    t.is(bookmark.type, 'BOOKMARK');
    t.is(bookmark.object.metadata.resourceVersion, later);
    w.stop();
  }
});

test('Table and PartialObjectMetadata representations; 406 for what cannot be served', async (t) => {
  const { call } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  const table = await call('GET', '/api/v1/namespaces/default/configmaps?includeObject=Object', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  t.is(table.json.kind, 'Table');
  t.is(table.json.rows[0].object.metadata.name, 'a');
  t.truthy(table.json.metadata.resourceVersion);
  t.regex(String(table.headers['content-type']), /as=Table/);
  const bogus = await call('GET', '/api/v1/namespaces/default/configmaps?includeObject=Bogus', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  t.is(bogus.status, 400, bogus.text);
  t.is(bogus.json.message, 'Invalid table options: [includeObject: Unsupported value: "Bogus": supported values: "Metadata", "None", "Object"]');
  const partial = await call('GET', '/api/v1/namespaces/default/configmaps/a', undefined, { Accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' });
  t.is(partial.json.kind, 'PartialObjectMetadata');
  t.is(partial.json.metadata.name, 'a');
  const proto = await call('GET', '/api/v1/namespaces/default/configmaps/a', undefined, { Accept: 'application/vnd.kubernetes.protobuf' });
  t.is(proto.status, 406);
  const yaml = await call('GET', '/api/v1/namespaces/default/configmaps/a', undefined, { Accept: 'application/yaml' });
  t.regex(yaml.text, /^apiVersion: v1$/m);
});

test('discovery: legacy documents and the aggregated v2 form', async (t) => {
  const { call } = await startFixture(t);
  const api = await call('GET', '/api');
  t.deepEqual(api.json.versions, ['v1']);
  const v1 = await call('GET', '/api/v1');
  const pods = v1.json.resources.find((r: any) => r.name === 'pods');
  t.like(pods, { namespaced: true, kind: 'Pod', shortNames: ['po'] });
  t.truthy(v1.json.resources.find((r: any) => r.name === 'pods/status'));
  const groups = await call('GET', '/apis');
  t.true(groups.json.groups.some((g: any) => g.name === 'apps'));
  t.is((await call('GET', '/apis/apps')).json.preferredVersion.groupVersion, 'apps/v1');
  t.is((await call('GET', '/apis/nope/v1')).status, 404);
  const agg = await call('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  t.is(agg.json.kind, 'APIGroupDiscoveryList');
  t.is(String(agg.headers['content-type']), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const apps = agg.json.items.find((i: any) => i.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
  t.deepEqual(deploy.subresources.map((s: any) => s.subresource), ['status', 'scale']);
  t.is(deploy.subresources[1].responseKind.kind, 'Scale');
});

test('deletecollection with a selector deletes only the selected', async (t) => {
  const { call } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('a', { k: '1' }));
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('b', { k: '2' }));
  const d = await call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=k%3D1');
  t.is(d.status, 200);
  const left = await call('GET', '/api/v1/namespaces/default/configmaps');
  t.deepEqual(left.json.items.map((i: any) => i.metadata.name), ['b']);
});

test('timeoutSeconds 0 is the default and one past a timer range waits; a limit past 2^53 is a 400', async (t) => {
  const { call, watch } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  // Both ended at once before: 0 was taken as "no time at all", 1e10 s overflowed Node's timer to 1 ms.
  const zero = watch('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=0');
  const huge = watch('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=10000000000');
  await zero.next(1);
  await huge.next(1);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('b'));
  t.is((await zero.next(2))[1].object.metadata.name, 'b');
  t.is((await huge.next(2))[1].object.metadata.name, 'b');
  const limit = await call('GET', '/api/v1/namespaces/default/configmaps?limit=99999999999999999999');
  t.is(limit.status, 400, limit.text);
});

test('a get at a resourceVersion is a minimum: the latest object, never an old or deleted one; a future one is a 504', async (t) => {
  const { call } = await startFixture(t);
  const old = await call('POST', '/api/v1/namespaces/default/configmaps', { ...cm('h'), data: { v: 'old' } });
  const rv = old.json.metadata.resourceVersion;
  t.is((await call('PUT', '/api/v1/namespaces/default/configmaps/h', { ...old.json, data: { v: 'new' } })).status, 200);
  t.deepEqual((await call('GET', `/api/v1/namespaces/default/configmaps/h?resourceVersion=${rv}`)).json.data, { v: 'new' });
  t.deepEqual((await call('GET', '/api/v1/namespaces/default/configmaps/h?resourceVersion=0')).json.data, { v: 'new' });
  await call('DELETE', '/api/v1/namespaces/default/configmaps/h');
  t.is((await call('GET', `/api/v1/namespaces/default/configmaps/h?resourceVersion=${rv}`)).status, 404, 'deleted stays deleted');
  const future = await call('GET', '/api/v1/namespaces/default/configmaps/h?resourceVersion=999999');
  t.is(future.status, 504);
  t.is(future.json.reason, 'Timeout');
});

test('boolean query values as upstream converts them: anything but 0 and false is true', async (t) => {
  const { call, watch } = await startFixture(t, { bookmarkIntervalMs: 50 });
  const c = await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  // watch=True was a list here, and allowWatchBookmarks=1 no bookmarks.
  const w = watch(`/api/v1/namespaces/default/configmaps?watch=True&allowWatchBookmarks=1&resourceVersion=${Number(c.json.metadata.resourceVersion) - 1}`);
  const events = await w.next(2);
  t.deepEqual(events.map((e) => e.type), ['ADDED', 'BOOKMARK']);
  w.stop();
  t.is((await call('GET', '/api/v1/namespaces/default/configmaps?watch=FALSE')).json.kind, 'ConfigMapList');
  t.is((await call('GET', '/api/v1/namespaces/default/configmaps?watch=0')).json.kind, 'ConfigMapList');
});

test('watch-list options as upstream validates them: sendInitialEvents needs NotOlderThan and bookmarks, and is no list option', async (t) => {
  const { call, watch } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('a'));
  const base = '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1';
  const bare = await call('GET', `${base}&sendInitialEvents=true`);
  t.is(bare.status, 422, bare.text);
  t.is(bare.json.message, 'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true]');
  t.is((await call('GET', `${base}&resourceVersionMatch=NotOlderThan`)).status, 422, 'resourceVersionMatch on a watch without sendInitialEvents');
  t.is((await call('GET', `${base}&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=Exact`)).status, 422);
  const list = await call('GET', '/api/v1/namespaces/default/configmaps?sendInitialEvents=true');
  t.is(list.json.message, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
  const w = watch('/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan');
  const events = await w.next(2);
  t.deepEqual(events.map((e) => e.type), ['ADDED', 'BOOKMARK']);
  t.is(events[1].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
});

test('the legacy /watch/ path of one name watches that object only; ?watch on a name is a get', async (t) => {
  const { call, watch } = await startFixture(t);
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('two'));
  const w = watch('/api/v1/watch/namespaces/default/configmaps/one');
  t.is((await w.next(1))[0].object.metadata.name, 'one');
  await call('PATCH', '/api/v1/namespaces/default/configmaps/two', { data: { a: 'b' } }, { 'Content-Type': 'application/merge-patch+json' });
  await call('PATCH', '/api/v1/namespaces/default/configmaps/one', { data: { a: 'b' } }, { 'Content-Type': 'application/merge-patch+json' });
  t.deepEqual((await w.next(2)).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED one', 'MODIFIED one']);
  const got = await call('GET', '/api/v1/namespaces/default/configmaps/one?watch=true');
  t.is(got.status, 200, got.text);
  t.is(got.json.kind, 'ConfigMap');
});
