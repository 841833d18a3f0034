import test from 'ava';
import { findResource } from '../../../src/api/resources.js';
import { standInHooks, strategiesFor } from '../../helpers/apiserver-stand-ins.js';
import { FakeClock } from '../../../src/host/clock.js';
import { Cacher, CursorLost } from '../../../src/apiserver/storage/cacher.js';
import { encode, objectKey, resourcePrefix } from '../../../src/apiserver/storage/codec.js';
import { Registry } from '../../../src/apiserver/storage/registry.js';
import { openWatch, type WatchOut } from '../../../src/apiserver/storage/watch.js';
import { MemoryStore } from '../../../src/store/memory.js';

const CM = findResource('', 'v1', 'configmaps')!;

/** A MemoryStore that counts the store watches opened on it. */
class CountingStore extends MemoryStore {
  watches = 0;
  override watch(prefix: string, after: number, signal: AbortSignal) {
    this.watches++;
    return super.watch(prefix, after, signal);
  }
}

const cm = (ns: string, name: string, labels: Record<string, string> = {}) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { k: name } });

function setup(t: import('ava').ExecutionContext) {
  const store = new CountingStore();
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(), strategies: strategiesFor(store) });
  const aborts: AbortController[] = [];
  t.teardown(async () => {
    for (const a of aborts) a.abort();
    await registry.close();
    await store.close();
  });
  /** Collects the events of one watch in the background. */
  const watch = (ns: string, q: Parameters<typeof openWatch>[3]) => {
    const abort = new AbortController();
    aborts.push(abort);
    const events: WatchOut[] = [];
    const waiters: (() => void)[] = [];
    let ended = false;
    void (async () => {
      for await (const ev of openWatch(registry, CM, ns, q, abort.signal)) {
        events.push(ev);
        for (const w of waiters.splice(0)) w();
      }
      ended = true;
      for (const w of waiters.splice(0)) w();
    })();
    return {
      events,
      get ended() { return ended; },
      async until(n: number) {
        while (events.length < n && !ended) await new Promise<void>((r) => waiters.push(r));
        return events.slice(0, n);
      },
      stop: () => abort.abort(),
    };
  };
  const put = (ns: string, name: string, labels?: Record<string, string>) => store.create(objectKey(CM, ns, name), encode(cm(ns, name, labels)));
  return { store, registry, watch, put };
}

test('a hundred watches of one type share one store watch; each sees every event once, in order', async (t) => {
  const { store, watch, put, registry } = setup(t);
  const rv = String(await put('a', 'first'));
  await registry.watchCache(CM);
  const watches = Array.from({ length: 100 }, () => watch('', { resourceVersion: rv }));
  for (let i = 0; i < 5; i++) await put('a', `cm${i}`);
  for (const w of watches) {
    const got = await w.until(5);
    t.deepEqual(got.map((e) => [e.type, e.object.metadata.name]), [0, 1, 2, 3, 4].map((i) => ['ADDED', `cm${i}`]));
  }
  t.is(store.watches, 1);
});

test('namespace and selectors filter per watcher; leaving the selection is DELETED', async (t) => {
  const { store, watch, put, registry } = setup(t);
  const rv = String(await store.revision());
  await registry.watchCache(CM);
  const inA = watch('a', { resourceVersion: rv });
  const blue = watch('', { resourceVersion: rv, labelSelector: 'color=blue' });
  await put('a', 'x', { color: 'blue' });
  await put('b', 'y', { color: 'red' });
  const kv = (await store.get(objectKey(CM, 'a', 'x')))!;
  await store.update(kv.key, encode(cm('a', 'x', { color: 'red' })), kv.modRevision);
  await store.delete(objectKey(CM, 'b', 'y'));
  t.deepEqual((await inA.until(2)).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'x'], ['MODIFIED', 'x']]);
  t.deepEqual((await blue.until(2)).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'x'], ['DELETED', 'x']]);
});

test('a resourceVersion older than the cache is replayed from the store; a compacted one is 410', async (t) => {
  const { store, watch, put } = setup(t);
  const before = await put('a', 'old');
  await put('a', 'older-than-cache');
  const replay = watch('a', { resourceVersion: String(before) });
  t.deepEqual((await replay.until(1)).map((e) => e.object.metadata.name), ['older-than-cache']);
  await put('a', 'live');
  t.is((await replay.until(2))[1]!.object.metadata.name, 'live');
  await store.compact(await store.revision());
  const gone = watch('a', { resourceVersion: String(before) });
  const [err] = await gone.until(1);
  t.is(err!.type, 'ERROR');
  t.is(err!.object.code, 410);
});

test('a watcher that falls out of the ring buffer is ended without an error; fresh readers are not held back', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const start = await store.revision();
  const cacher = new Cacher(store, resourcePrefix(CM), start, () => {}, { capacity: 4 });
  t.teardown(() => cacher.stop());
  const slow = cacher.cursorAfter(start)!;
  for (let i = 0; i < 6; i++) await store.create(objectKey(CM, 'a', `n${i}`), encode(cm('a', `n${i}`)));
  // The cache has taken all six once the newest revision is at the end of its buffer.
  while (cacher.cursorAfter(start + 6) !== 6) await cacher.changed(new AbortController().signal);
  t.throws(() => cacher.read(slow), { instanceOf: CursorLost });
  t.is(cacher.cursorAfter(start), undefined, 'revisions before the buffer are not served from it');
  const fresh = cacher.cursorAfter(start + 3)!;
  t.deepEqual(cacher.read(fresh).events.map((e) => e.object.metadata.name), ['n3', 'n4', 'n5']);
});

test('stopping the cache ends its watches normally; the next watch starts a new cache', async (t) => {
  const { store, watch, put, registry } = setup(t);
  const rv = String(await put('a', 'one'));
  const first = await registry.watchCache(CM);
  const w = watch('a', { resourceVersion: rv });
  await put('a', 'two');
  await w.until(1);
  first.stop();
  await w.until(2);
  t.true(w.ended);
  const second = await registry.watchCache(CM);
  t.not(second, first);
  t.true(second.alive);
  t.is(store.watches, 2);
});

test('an update that changes nothing writes nothing: same resourceVersion, no watch event', async (t) => {
  const { store, registry, put, watch } = setup(t);
  await put('a', 'same');
  const first = await registry.update(CM, 'a', 'same', cm('a', 'same', { v: '1' }));
  const w = watch('a', { resourceVersion: first.metadata.resourceVersion });
  const second = await registry.update(CM, 'a', 'same', cm('a', 'same', { v: '1' }));
  t.is(second.metadata.resourceVersion, first.metadata.resourceVersion);
  t.is(await store.revision(), Number(first.metadata.resourceVersion));
  await put('a', 'marker');
  t.deepEqual((await w.until(1)).map((e) => e.object.metadata.name), ['marker']);
});

/** A store like etcd after a compaction: deletions come without the deleted value. */
class ForgetfulStore extends MemoryStore {
  override async *watch(prefix: string, after: number, signal: AbortSignal) {
    for await (const ev of super.watch(prefix, after, signal)) yield ev.type === 'delete' ? { ...ev, prev: undefined } : ev;
  }
}

test('a deletion whose old value the store lost still reaches watchers, as a tombstone with kind, name and namespace', async (t) => {
  const store = new ForgetfulStore();
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(), strategies: strategiesFor(store) });
  const abort = new AbortController();
  t.teardown(async () => {
    abort.abort();
    await registry.close();
    await store.close();
  });
  const rv = await store.create(objectKey(CM, 'a', 'gone'), encode(cm('a', 'gone')));
  const events: WatchOut[] = [];
  const done = (async () => {
    for await (const ev of openWatch(registry, CM, 'a', { resourceVersion: String(rv) }, abort.signal)) {
      events.push(ev);
      if (ev.type === 'DELETED') return;
    }
  })();
  const del = await store.delete(objectKey(CM, 'a', 'gone'));
  await done;
  t.deepEqual(events.map((e) => [e.type, e.object]), [['DELETED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone', namespace: 'a', resourceVersion: String(del.revision) } }]]);
});
