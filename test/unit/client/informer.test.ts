import test, { type ExecutionContext } from 'ava';
import type { KubeObject } from '../../../src/api/types.js';
import { ApiStatusError } from '../../../src/client/errors.js';
import { DeletedFinalStateUnknown, Informer, type ListerWatcher } from '../../../src/client/informer.js';
import { ManualTimers, realTimers } from '../../../src/client/timers.js';
import { FakeClock } from '../../../src/host/clock.js';
import { POD, podObject, startClientFixture } from './client-fixture.js';

type Pod = KubeObject & { spec?: { nodeName?: string } };

const podOn = (name: string, nodeName: string, labels: Record<string, string> = {}) => {
  const p = podObject(name, labels);
  return { ...p, spec: { ...p.spec, nodeName } };
};

/** Waits (without a time limit of its own: ava's timeout is the limit) until cond holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

type Seen = string[];
const record = (seen: Seen) => ({
  onAdd: (o: Pod) => seen.push(`add ${o.metadata.name}`),
  onUpdate: (a: Pod, b: Pod) => seen.push(`update ${a.metadata.name} ${a.metadata.labels?.['v'] ?? '-'}→${b.metadata.labels?.['v'] ?? '-'}`),
  onDelete: (o: Pod | DeletedFinalStateUnknown<Pod>) => seen.push(o instanceof DeletedFinalStateUnknown ? `tombstone ${o.key} ${o.obj.metadata.name}` : `delete ${o.metadata.name} ${o.metadata.labels?.['v'] ?? '-'}`),
});

function informerOf(t: ExecutionContext, source: ListerWatcher<Pod>, extra: Partial<ConstructorParameters<typeof Informer<Pod>>[0]> = {}) {
  const inf = new Informer<Pod>({ source, clock: new FakeClock(), timers: realTimers, ...extra });
  t.teardown(() => inf.stop());
  return inf;
}

test('list then watch: the store and an index follow adds, updates and deletes; handlers get old and final states', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  await pods.create(podOn('p1', 'node-a'));
  await pods.create(podOn('p2', 'node-b'));
  const byNode = new Map([['node', (p: Pod) => (p.spec?.nodeName ? [p.spec.nodeName] : [])], ['v', (p: Pod) => Object.values(p.metadata.labels ?? {})]]);
  const inf = informerOf(t, pods, { indexers: byNode });
  const seen: Seen = [];
  inf.addHandlers(record(seen));
  t.false(inf.hasSynced());
  inf.start();
  await inf.waitForSync();
  t.true(inf.hasSynced());
  t.deepEqual(seen.sort(), ['add p1', 'add p2']);
  t.deepEqual(inf.store.byIndex('node', 'node-a').map((p) => p.metadata.name), ['p1']);
  t.truthy(inf.store.get('default/p2'));

  seen.length = 0;
  await pods.create(podOn('p3', 'node-a'));
  await pods.patch('p1', 'merge', { metadata: { labels: { v: '1' } } });
  await pods.patch('p2', 'merge', { metadata: { labels: { v: '2' } } });
  await pods.delete('p2', { gracePeriodSeconds: 0 });
  await until(() => seen.length === 4);
  t.deepEqual(seen, ['add p3', 'update p1 -→1', 'update p2 -→2', 'delete p2 2']);
  t.deepEqual(inf.store.byIndex('node', 'node-a').map((p) => p.metadata.name).sort(), ['p1', 'p3']);
  t.deepEqual(inf.store.byIndex('node', 'node-b'), []);
  t.deepEqual(inf.store.byIndex('v', '1').map((p) => p.metadata.name), ['p1']);
  t.deepEqual(inf.store.byIndex('v', '2'), []);
  t.throws(() => inf.store.byIndex('nope', 'x'), { message: 'index "nope" does not exist' });

  // A handler added later starts from the cache.
  const late: Seen = [];
  inf.addHandlers(record(late));
  t.deepEqual(late.sort(), ['add p1', 'add p3']);
});

test('selectors narrow the list and the watch; lists page with limit/continue', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  for (const n of ['a1', 'a2', 'a3']) await pods.create(podOn(n, 'node-a'));
  await pods.create(podOn('b1', 'node-b'));
  const limits: (number | undefined)[] = [];
  const source: ListerWatcher<Pod> = { list: (o) => { limits.push(o.limit); return pods.list(o); }, watch: (o) => pods.watch(o) };
  const inf = informerOf(t, source, { fieldSelector: 'spec.nodeName=node-a', pageSize: 2 });
  inf.start();
  await inf.waitForSync();
  t.deepEqual(inf.store.keys().sort(), ['default/a1', 'default/a2', 'default/a3']);
  t.deepEqual(limits, [2, 2]);
  await pods.create(podOn('b2', 'node-b'));
  await pods.create(podOn('a4', 'node-a'));
  await until(() => inf.store.size === 4);
  t.is(inf.store.get('default/b2'), undefined);
});

test('a 410 relists: objects deleted meanwhile are tombstones with their last state, the rest add or update', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  await pods.create(podOn('keep', 'n'));
  await pods.create(podOn('gone', 'n', { v: 'last' }));
  let lists = 0;
  let cut: () => void = () => {};
  const cutDone = new Promise<void>((r) => { cut = r; });
  let watches = 0;
  const source: ListerWatcher<Pod> = {
    list: (o) => { lists++; return pods.list(o); },
    watch: (o) => (watches++ === 0 ? expiredAfter(cutDone) : pods.watch(o)),
  };
  const inf = informerOf(t, source);
  const seen: Seen = [];
  inf.addHandlers(record(seen));
  inf.start();
  await inf.waitForSync();
  seen.length = 0;
  await pods.delete('gone', { gracePeriodSeconds: 0 });
  await pods.create(podOn('new', 'n'));
  cut();
  await until(() => seen.length === 3);
  t.is(lists, 2);
  t.deepEqual(seen.sort(), ['add new', 'tombstone default/gone gone', 'update keep -→-']);
  t.deepEqual(inf.store.keys().sort(), ['default/keep', 'default/new']);
});

async function* expiredAfter(cut: Promise<void>): AsyncGenerator<never> {
  await cut;
  throw new ApiStatusError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (9)' });
}

test('list and watch failures retry after 800 ms doubling (on the clock), and the watch resumes from the last resourceVersion', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  await pods.create(podOn('p', 'n'));
  const timers = new ManualTimers(new FakeClock());
  const errors: unknown[] = [];
  const fail = (code: number) => new ApiStatusError({ kind: 'Status', code, reason: code === 503 ? 'ServiceUnavailable' : 'InternalError', message: 'boom' });
  let listFailures = 1;
  let watchFailures = 3;
  const watchedFrom: string[] = [];
  const timeouts: (number | undefined)[] = [];
  const source: ListerWatcher<Pod> = {
    list: (o) => (listFailures-- > 0 ? Promise.reject(fail(503)) : pods.list(o)),
    watch: (o) => { watchedFrom.push(o.resourceVersion ?? ''); timeouts.push(o.timeoutSeconds); return watchFailures-- > 0 ? failing(fail(500)) : pods.watch(o); },
  };
  const picks = [0, 0.5, 0.999, 0.25];
  const inf = informerOf(t, source, { timers, onError: (e) => errors.push(e), random: () => picks.shift() ?? 0 });
  const seen: Seen = [];
  inf.addHandlers(record(seen));
  inf.start();
  await until(() => timers.pendingDelays().length === 1);
  t.deepEqual(timers.pendingDelays(), [800]);
  t.false(inf.hasSynced());
  timers.advance(800);
  await inf.waitForSync();
  // The list worked, so the backoff starts over for the watch.
  for (const delay of [800, 1600, 3200]) {
    await until(() => timers.pendingDelays().length === 1);
    t.deepEqual(timers.pendingDelays(), [delay]);
    timers.advance(delay);
  }
  await pods.create(podOn('q', 'n'));
  await until(() => seen.includes('add q'));
  t.is(errors.length, 4);
  t.deepEqual(new Set(watchedFrom).size, 1); // every retry resumed from the list's resourceVersion
  t.is(watchedFrom.length, 4);
  t.deepEqual(timeouts, [300, 450, 599, 375]); // 5 to 10 minutes, picked per watch
});

async function* failing(err: Error): AsyncGenerator<never> {
  await Promise.resolve();
  throw err;
}

test('stop ends the watch and a pending backoff; waitForSync then resolves', async (t) => {
  const timers = new ManualTimers(new FakeClock());
  const inf = new Informer<Pod>({ source: { list: () => Promise.reject(new Error('down')), watch: () => failing(new Error('unused')) }, clock: new FakeClock(), timers });
  inf.start();
  await until(() => timers.pendingDelays().length === 1);
  const synced = inf.waitForSync();
  await inf.stop();
  await synced;
  t.false(inf.hasSynced());
  t.deepEqual(timers.pendingDelays(), []);
});

test('a watch the server ends at once without an event backs off; one that lasted resumes at once', async (t) => {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  let watches = 0;
  let lasts = 0;
  const source: ListerWatcher<Pod> = {
    list: () => Promise.resolve({ metadata: { resourceVersion: '7' }, items: [] }),
    watch: () => { watches++; return ended(() => clock.advance(lasts)); },
  };
  const errors: unknown[] = [];
  const inf = informerOf(t, source, { clock, timers, onError: (e) => errors.push(e) });
  inf.start();
  await until(() => timers.pendingDelays().length === 1);
  t.deepEqual(timers.pendingDelays(), [800]);
  t.is(watches, 1);
  t.regex(String(errors[0]), /very short watch/);
  lasts = 1000; // from now on each watch lasts a second: a normal timeout, no backoff
  timers.advance(800);
  await until(() => watches >= 5);
  t.deepEqual(timers.pendingDelays(), []);
  t.is(errors.length, 1);
});

async function* ended(during: () => void): AsyncGenerator<never> {
  await new Promise((r) => setTimeout(r, 1));
  during();
}

test('a bookmark moves the resourceVersion the next watch resumes from, without touching the cache or handlers', async (t) => {
  // skiff's apiserver stamps a bookmark with the last event it sent on that watch, so the
  // stream a real server gives never shows this; upstream's cacher bookmarks its current
  // revision. The bookmark is injected between two real watches.
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  await pods.create(podOn('p', 'n'));
  const watchedFrom: string[] = [];
  const source: ListerWatcher<Pod> = {
    list: (o) => pods.list(o),
    watch: (o) => { watchedFrom.push(o.resourceVersion ?? ''); return watchedFrom.length === 1 ? bookmarkAt('987654') : pods.watch(o); },
  };
  const inf = informerOf(t, source);
  const seen: Seen = [];
  inf.addHandlers(record(seen));
  inf.start();
  await until(() => watchedFrom.length === 2);
  t.is(watchedFrom[1], '987654');
  t.is(inf.resourceVersion, '987654');
  t.deepEqual(seen, ['add p']);
  t.is(inf.store.size, 1);
});

async function* bookmarkAt(resourceVersion: string): AsyncGenerator<{ type: 'BOOKMARK'; object: Pod }> {
  await Promise.resolve();
  yield { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion } } };
}

test('a handler that throws is reported and neither stops the informer nor the other handlers', async (t) => {
  const items: Pod[] = [{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' } }];
  const source: ListerWatcher<Pod> = {
    list: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items }),
    watch: (o) => (async function* () {
      await Promise.resolve();
      yield { type: 'ADDED' as const, object: { metadata: { name: 'b', namespace: 'ns', resourceVersion: '2' } } };
      await new Promise((r) => o.signal?.addEventListener('abort', r)); // then quiet until stopped
    })(),
  };
  const errors: unknown[] = [];
  const inf = informerOf(t, source, { onError: (e) => errors.push(e) });
  const seen: string[] = [];
  inf.addHandlers({ onAdd: (p) => { throw new Error(`bad handler on ${p.metadata.name}`); } });
  inf.addHandlers({ onAdd: (p) => seen.push(p.metadata.name ?? '') });
  inf.start();
  await until(() => seen.length === 2);
  t.deepEqual(seen, ['a', 'b']);
  t.deepEqual(errors.map(String), ['Error: bad handler on a', 'Error: bad handler on b']);
  t.deepEqual(inf.store.keys(), ['ns/a', 'ns/b']);
});
