// The watch cache bounded in bytes (issue 19: ~35 KB per 8.8 KB object, 10,000 events held
// forever): one representation per event (an update's previous value is the cached write's
// Buffer), one byte bound shared by every type's cache with the oldest events evicted first,
// everything given back when a cache stops, and a watch from before the cache's window served
// from the store while it has the history, else 410 Gone.
import test, { type ExecutionContext } from 'ava';
import { findResource } from '../../../../src/api/resources.js';
import { Cacher } from '../../../../src/apiserver/storage/cacher.js';
import { encode, objectKey, resourcePrefix } from '../../../../src/apiserver/storage/codec.js';
import { Registry } from '../../../../src/apiserver/storage/registry.js';
import { WatchCacheBudget } from '../../../../src/apiserver/storage/watch-cache-budget.js';
import { openWatch, type WatchOut } from '../../../../src/apiserver/storage/watch.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { standInHooks, strategiesFor } from '../../../helpers/apiserver-stand-ins.js';

const CM = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const BLOB = 8 * 1024;

const cm = (name: string, fill: string, labels: Record<string, string> = {}) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a', labels }, data: { blob: fill.repeat(BLOB) } });

/** Resolves once the cache holds the event at `revision`. */
async function caughtUp(cacher: Cacher, revision: number): Promise<void> {
  const never = new AbortController().signal;
  for (;;) {
    const cursor = cacher.cursorAfter(revision - 1);
    if (cursor !== undefined && cacher.read(cursor).events.some((e) => e.revision === revision)) return;
    await cacher.changed(never);
  }
}

function cacherOn(t: ExecutionContext, store: MemoryStore, budget: WatchCacheBudget, r = CM, start = 0) {
  const cacher = new Cacher(store, resourcePrefix(r), start, () => {}, { budget });
  t.teardown(() => cacher.stop());
  return cacher;
}

test('an update holds its new value only: the previous value is the cached write before it', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const budget = new WatchCacheBudget(64 * 2 ** 20);
  const cacher = cacherOn(t, store, budget, CM, await store.revision());
  const key = objectKey(CM, 'a', 'one');
  let rev = await store.create(key, encode(cm('one', 'a')));
  const value = (await store.get(key))!.value.length;
  for (const fill of 'bcdefghij') rev = await store.update(key, encode(cm('one', fill)), rev);
  await caughtUp(cacher, rev);
  t.is(cacher.size, 10);
  // Ten values and their overhead, not twenty values (the previous one kept a second time).
  t.true(cacher.bytes >= 10 * value && cacher.bytes < 11 * value, `${cacher.bytes} bytes for 10 events of ${value}`);
  t.is(budget.bytes, cacher.bytes);
  // The previous object is still there for selector watchers, decoded from the shared bytes.
  const events = cacher.read(cacher.cursorAfter(0)!).events;
  t.is((events[9]!.prev()!.data as { blob: string }).blob[0], 'i');
});

test('the cache stays under its byte bound under churn, evicting the oldest, and gives it all back when it stops', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const limit = 200 * 1024;
  const budget = new WatchCacheBudget(limit);
  const cacher = cacherOn(t, store, budget, CM, await store.revision());
  const revs = new Map<string, number>();
  let rev = 0;
  let peak = 0;
  for (let i = 0; i < 300; i++) {
    const name = `cm${i % 7}`;
    const key = objectKey(CM, 'a', name);
    const known = revs.get(name);
    if (i % 50 === 49 && known) {
      rev = (await store.delete(key)).revision;
      revs.delete(name);
    } else {
      rev = known ? await store.update(key, encode(cm(name, String(i % 10))), known) : await store.create(key, encode(cm(name, String(i % 10))));
      revs.set(name, rev);
    }
    await caughtUp(cacher, rev);
    peak = Math.max(peak, budget.bytes);
    t.is(budget.bytes, cacher.bytes);
  }
  t.true(peak <= limit, `peak ${peak} > ${limit}`);
  t.true(cacher.size < 300 && cacher.size > 10, `${cacher.size} events`);
  // The window starts where eviction left it: only what it holds is served from it.
  const window = cacher.read(cacher.cursorAfter(rev - cacher.size)!).events;
  t.is(window.length, cacher.size);
  t.is(cacher.cursorAfter(rev - cacher.size - 1), undefined);
  cacher.stop();
  t.is(budget.bytes, 0);
  t.is(cacher.size, 0);
});

test('one bound for every type: a busy type evicts a quiet type\'s older events', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const budget = new WatchCacheBudget(100 * 1024);
  const start = await store.revision();
  const quiet = cacherOn(t, store, budget, SECRETS, start);
  const busy = cacherOn(t, store, budget, CM, start);
  const secret = (n: number) => Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${n}`, namespace: 'a' }, data: { k: 'x'.repeat(BLOB) } }));
  let rev = 0;
  for (let n = 0; n < 5; n++) rev = await store.create(objectKey(SECRETS, 'a', `s${n}`), secret(n));
  await caughtUp(quiet, rev);
  t.is(quiet.size, 5);
  for (let n = 0; n < 40; n++) rev = await store.create(objectKey(CM, 'a', `c${n}`), encode(cm(`c${n}`, 'z')));
  await caughtUp(busy, rev);
  t.true(budget.bytes <= 100 * 1024);
  t.is(budget.bytes, quiet.bytes + busy.bytes);
  // The quiet type's events were the oldest: they went first, all but its newest one.
  t.is(quiet.size, 1);
});

/** The registry's watch of configmaps in `a` from `rv`, collecting events. */
function watchFrom(t: ExecutionContext, registry: Registry, rv: number) {
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const it = openWatch(registry, CM, 'a', { resourceVersion: String(rv) }, abort.signal)[Symbol.asyncIterator]();
  return { next: async () => (await it.next()).value as WatchOut };
}

test('a watch from before the cache\'s window is served from the store while it has the history, else 410 Gone', async (t) => {
  const store = new MemoryStore();
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(0), strategies: strategiesFor(store), watchCacheBytes: 60 * 1024 });
  t.teardown(async () => {
    await registry.close();
    await store.close();
  });
  const first = await store.create(objectKey(CM, 'a', 'zero'), encode(cm('zero', 'a')));
  const cacher = await registry.watchCache(CM);
  let rev = first;
  for (let n = 1; n <= 20; n++) rev = await store.create(objectKey(CM, 'a', `c${n}`), encode(cm(`c${n}`, 'b')));
  await caughtUp(cacher, rev);
  t.true(cacher.size < 20, 'the window moved past the first events');
  t.is(cacher.cursorAfter(first), undefined);

  const replay = watchFrom(t, registry, first);
  t.like(await replay.next(), { type: 'ADDED', object: { metadata: { name: 'c1' } } });

  await store.compact(rev - 1);
  const behind = watchFrom(t, registry, first);
  const err = await behind.next();
  t.is(err.type, 'ERROR');
  t.like(err.object, { kind: 'Status', code: 410, reason: 'Expired' });
  t.regex(String(err.object.message), /too old resource version/);
});
