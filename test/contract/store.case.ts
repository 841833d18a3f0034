import type { ExecutionContext, TestFn } from 'ava';
import { MAX_VALUE_BYTES } from '../../src/store/keys.js';
import { StoreError, type Store, type WatchEvent } from '../../src/store/types.js';
import { uniq } from '../helpers/names.js';

// One contract for every Store backend (memory, SQLite, etcd). Backends may share a revision
// space with other tests (etcd): assertions are about order and relations between revisions,
// never absolute numbers. Compaction is global, so those tests are serial (ava runs serial
// tests before the concurrent ones).

export interface StoreEnv {
  name: string;
  /** A store for one test, closed (and its files removed) when the test ends. */
  open(t: ExecutionContext): Promise<Store>;
  /** The TTL the expiry test writes with (short on etcd, whose clock is real). */
  ttlSeconds: number;
  /**
   * Lets ttlSeconds pass for store and returns once the backend has expired what it will:
   * the fakes step their FakeClock and sweep; etcd waits until `gone` has disappeared.
   */
  expire(store: Store, gone: string): Promise<void>;
}

const buf = (s: string) => Buffer.from(s);

async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, kind: StoreError['kind']): Promise<StoreError> {
  const err = await t.throwsAsync<StoreError>(p, { instanceOf: StoreError });
  t.is(err?.kind, kind);
  return err!;
}

/** Takes n events from a watch, then aborts it. */
async function take(store: Store, prefix: string, after: number, n: number, during?: () => Promise<unknown>): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const out: WatchEvent[] = [];
  const reading = (async () => {
    for await (const ev of store.watch(prefix, after, ac.signal)) {
      out.push(ev);
      if (out.length === n) break;
    }
  })();
  try {
    await during?.();
    await reading;
  } finally {
    ac.abort();
  }
  return out;
}

const summary = (ev: WatchEvent) =>
  ev.type === 'put'
    ? { type: 'put', key: ev.kv.key, value: ev.kv.value.toString(), rev: ev.kv.modRevision, prev: ev.prev?.value.toString() }
    : { type: 'delete', key: ev.key, rev: ev.revision, prev: ev.prev?.value.toString() };

export function storeContract(test: TestFn, env: StoreEnv): void {
  const named = (title: string) => `${env.name} store: ${title}`;
  const dir = () => `/${uniq()}/`;

  test(named('create, get, and a second create is exists with the current value'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const before = await store.revision();
    const rev = await store.create(`${p}a`, buf('one'));
    t.true(rev > before);
    t.true((await store.revision()) >= rev);
    t.deepEqual(await store.get(`${p}a`), { key: `${p}a`, value: buf('one'), createRevision: rev, modRevision: rev });
    t.is(await store.get(`${p}missing`), undefined);
    const err = await rejectsWith(t, store.create(`${p}a`, buf('two')), 'exists');
    t.is(err.details.current?.modRevision, rev);
    t.deepEqual(err.details.current?.value, buf('one'));
  });

  test(named('update is compare-and-swap on modRevision'), async (t) => {
    const store = await env.open(t);
    const key = `${dir()}k`;
    const created = await store.create(key, buf('v1'));
    const updated = await store.update(key, buf('v2'), created);
    t.true(updated > created);
    t.deepEqual(await store.get(key), { key, value: buf('v2'), createRevision: created, modRevision: updated });
    const err = await rejectsWith(t, store.update(key, buf('v3'), created), 'conflict');
    t.deepEqual(err.details.current, { key, value: buf('v2'), createRevision: created, modRevision: updated });
    await rejectsWith(t, store.update(`${key}-absent`, buf('x'), created), 'notFound');
  });

  test(named('delete with and without CAS; a recreated key starts a new incarnation'), async (t) => {
    const store = await env.open(t);
    const key = `${dir()}k`;
    await rejectsWith(t, store.delete(key), 'notFound');
    const c1 = await store.create(key, buf('v1'));
    const u1 = await store.update(key, buf('v2'), c1);
    const conflict = await rejectsWith(t, store.delete(key, c1), 'conflict');
    t.is(conflict.details.current?.modRevision, u1);
    const { revision, prev } = await store.delete(key, u1);
    t.true(revision > u1);
    t.deepEqual(prev, { key, value: buf('v2'), createRevision: c1, modRevision: u1 });
    t.is(await store.get(key), undefined);
    await rejectsWith(t, store.update(key, buf('x'), u1), 'notFound');
    const c2 = await store.create(key, buf('again'));
    t.is((await store.get(key))?.createRevision, c2);
    const plain = await store.delete(key);
    t.is(plain.prev.modRevision, c2);
  });

  test(named('get and list at a past revision; futureRevision'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const r1 = await store.create(`${p}b`, buf('b1'));
    const r2 = await store.create(`${p}a`, buf('a1'));
    const r3 = await store.update(`${p}b`, buf('b2'), r1);
    await store.delete(`${p}a`);
    await store.create(`${p}c`, buf('c1'));
    t.deepEqual((await store.get(`${p}b`, r2))?.value, buf('b1'));
    t.is(await store.get(`${p}a`, r1), undefined);
    const atR3 = await store.list(p, { revision: r3 });
    t.is(atR3.revision, r3);
    t.deepEqual(atR3.items.map((kv) => [kv.key, kv.value.toString()]), [[`${p}a`, 'a1'], [`${p}b`, 'b2']]);
    const now = await store.list(p);
    t.deepEqual(now.items.map((kv) => kv.key), [`${p}b`, `${p}c`]);
    t.true(now.revision >= r3);
    t.is(await store.count(p), 2);
    const future = (await store.revision()) + 1000;
    await rejectsWith(t, store.get(`${p}b`, future), 'futureRevision');
    await rejectsWith(t, store.list(p, { revision: future }), 'futureRevision');
  });

  test(named('list is in key order and a prefix does not match its siblings'), async (t) => {
    const store = await env.open(t);
    const p = `/${uniq()}`;
    for (const k of [`${p}/b`, `${p}/a`, `${p}x/a`, `${p}/a/deeper`, `${p}`]) await store.create(k, buf(k));
    t.deepEqual((await store.list(`${p}/`)).items.map((kv) => kv.key), [`${p}/a`, `${p}/a/deeper`, `${p}/b`]);
    t.is(await store.count(`${p}/`), 3);
  });

  test(named('pagination with after/limit/remaining reads one revision across pages'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const keys = Array.from({ length: 25 }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
    for (const k of keys) await store.create(k, buf(k));
    const first = await store.list(p, { limit: 10 });
    t.deepEqual(first.items.map((kv) => kv.key), keys.slice(0, 10));
    t.is(first.remaining, 15);
    // Writes between pages must not show in later pages read at the first page's revision.
    await store.delete(keys[15]!);
    await store.create(`${p}0155`, buf('late'));
    const second = await store.list(p, { limit: 10, after: first.items.at(-1)!.key, revision: first.revision });
    t.deepEqual(second.items.map((kv) => kv.key), keys.slice(10, 20));
    t.is(second.remaining, 5);
    const third = await store.list(p, { limit: 10, after: second.items.at(-1)!.key, revision: first.revision });
    t.deepEqual(third.items.map((kv) => kv.key), keys.slice(20));
    t.is(third.remaining, 0);
    const latest = await store.list(p, { after: keys[14]!, limit: 1 });
    t.deepEqual(latest.items.map((kv) => kv.key), [`${p}0155`]);
    t.is(latest.remaining, 9);
  });

  test(named('watch replays history after a revision, then live events, in order, with prev'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const start = await store.create(`${p}a`, buf('a1'));
    const r2 = await store.update(`${p}a`, buf('a2'), start);
    await store.create(`/${uniq()}/elsewhere`, buf('not mine'));
    const events = await take(store, p, start, 4, async () => {
      const r3 = await store.create(`${p}b`, buf('b1'));
      await store.delete(`${p}a`);
      await store.update(`${p}b`, buf('b2'), r3);
    });
    const got = events.map(summary);
    t.deepEqual(got.map(({ rev: _rev, ...rest }) => rest), [
      { type: 'put', key: `${p}a`, value: 'a2', prev: 'a1' },
      { type: 'put', key: `${p}b`, value: 'b1', prev: undefined },
      { type: 'delete', key: `${p}a`, prev: 'a2' },
      { type: 'put', key: `${p}b`, value: 'b2', prev: 'b1' },
    ]);
    t.is(got[0]!.rev, r2);
    const revs = got.map((e) => e.rev);
    t.deepEqual([...revs].sort((a, b) => a - b), revs);
    t.is(new Set(revs).size, revs.length);
    const del = events[2]!;
    t.true(del.type === 'delete' && del.prev?.modRevision === r2);
  });

  test(named('a watch from the current revision sees only later writes; abort ends it'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    await store.create(`${p}old`, buf('old'));
    const now = await store.revision();
    const ac = new AbortController();
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of store.watch(p, now, ac.signal)) {
        seen.push(ev);
        if (seen.length === 2) ac.abort();
      }
    })();
    await store.create(`${p}new1`, buf('1'));
    await store.create(`${p}new2`, buf('2'));
    await done;
    t.deepEqual(seen.map((e) => (e.type === 'put' ? e.kv.key : e.key)), [`${p}new1`, `${p}new2`]);
  });

  test(named('many watchers each get every event once'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const from = await store.revision();
    const n = 10;
    const watches = Array.from({ length: 20 }, () => take(store, p, from, n));
    for (let i = 0; i < n; i++) await store.create(`${p}${i}`, buf(String(i)));
    for (const events of await Promise.all(watches)) t.deepEqual(events.map((e) => (e.type === 'put' ? e.kv.value.toString() : '')), Array.from({ length: n }, (_, i) => String(i)));
  });

  test.serial(named('compaction forgets history, keeps latest values; old reads and watches are compacted'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const r1 = await store.create(`${p}a`, buf('a1'));
    const r2 = await store.update(`${p}a`, buf('a2'), r1);
    await store.create(`${p}gone`, buf('x'));
    const { revision: r4 } = await store.delete(`${p}gone`);
    const r5 = await store.create(`${p}b`, buf('b1'));
    await store.compact(r4);
    await rejectsWith(t, store.get(`${p}a`, r1), 'compacted');
    await rejectsWith(t, store.list(p, { revision: r2 }), 'compacted');
    t.deepEqual((await store.get(`${p}a`))?.value, buf('a2'));
    t.deepEqual((await store.list(p, { revision: r4 })).items.map((kv) => kv.value.toString()), ['a2']);
    t.deepEqual((await store.list(p)).items.map((kv) => kv.value.toString()), ['a2', 'b1']);
    t.is(await store.get(`${p}gone`), undefined);
    const ac = new AbortController();
    t.teardown(() => ac.abort());
    const err = await t.throwsAsync<StoreError>(async () => {
      for await (const _ of store.watch(p, r1, ac.signal)) t.fail('no event from a compacted revision');
    });
    t.is(err?.kind, 'compacted');
    // From the compaction point on, history is whole.
    const events = await take(store, p, r4, 1);
    t.is(events[0]?.type === 'put' && events[0].kv.modRevision, r5);
    t.true((await store.stats()).compactRevision >= r4);
    await store.compact(r4); // again: a no-op
    const updated = await store.update(`${p}a`, buf('a3'), r2);
    t.true(updated > r5);
    await rejectsWith(t, store.compact((await store.revision()) + 1000), 'futureRevision');
  });

  test(named('50 parallel compare-and-swap updates: exactly one winner per round'), async (t) => {
    const store = await env.open(t);
    const key = `${dir()}counter`;
    let rev = await store.create(key, buf('0'));
    for (let round = 1; round <= 5; round++) {
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.update(key, buf(`${round}:${i}`), rev)));
      const won = results.filter((r): r is PromiseFulfilledResult<number> => r.status === 'fulfilled');
      t.is(won.length, 1, `round ${round}`);
      const winner = await store.get(key);
      t.is(winner?.modRevision, won[0]!.value);
      for (const r of results) {
        if (r.status === 'rejected') {
          t.is((r.reason as StoreError).kind, 'conflict');
          t.is((r.reason as StoreError).details.current?.modRevision, winner?.modRevision);
        }
      }
      rev = won[0]!.value;
    }
  });

  test(named('stats: bytes held, of which in use, and the revision'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    await store.create(`${p}a`, Buffer.alloc(4096, 1));
    const last = await store.create(`${p}b`, Buffer.alloc(4096, 2));
    const stats = await store.stats();
    t.true(stats.inUseBytes >= 8192, JSON.stringify(stats));
    t.true(stats.dbBytes >= stats.inUseBytes, JSON.stringify(stats));
    t.true(stats.revision >= last);
  });

  test(named('a write with ttlSeconds is deleted after it, as a delete watchers see; a write without one makes the key permanent'), async (t) => {
    const store = await env.open(t);
    const p = dir();
    const from = await store.revision();
    const ttl = { ttlSeconds: env.ttlSeconds };
    await store.create(`${p}event`, buf('e1'), ttl);
    const c = await store.create(`${p}kept`, buf('k1'), ttl);
    const kept = await store.update(`${p}kept`, buf('k2'), c);
    await store.create(`${p}plain`, buf('p1'));
    const r = await store.create(`${p}renewed`, buf('r1'), ttl);
    await store.update(`${p}renewed`, buf('r2'), r, ttl);
    await env.expire(store, `${p}renewed`);
    t.is(await store.get(`${p}event`), undefined);
    t.is(await store.get(`${p}renewed`), undefined);
    t.is((await store.get(`${p}kept`))?.modRevision, kept);
    t.deepEqual((await store.get(`${p}plain`))?.value, buf('p1'));
    const events = (await take(store, p, from, 8)).map(summary);
    const deletes = events.filter((e) => e.type === 'delete').map(({ rev: _rev, ...rest }) => rest);
    t.deepEqual(deletes.sort((a, b) => a.key.localeCompare(b.key)), [
      { type: 'delete', key: `${p}event`, prev: 'e1' },
      { type: 'delete', key: `${p}renewed`, prev: 'r2' },
    ]);
    await t.throwsAsync(store.create(`${p}bad`, buf('x'), { ttlSeconds: 0 }), { instanceOf: RangeError });
    await t.throwsAsync(store.create(`${p}bad`, buf('x'), { ttlSeconds: Number.NaN }), { instanceOf: RangeError });
  });

  test(named('values up to 1.5 MiB round-trip; larger ones are tooLarge'), async (t) => {
    const store = await env.open(t);
    const key = `${dir()}big`;
    const big = Buffer.alloc(MAX_VALUE_BYTES, 7);
    big.write('start');
    const rev = await store.create(key, big);
    t.true((await store.get(key))?.value.equals(big));
    const bigger = Buffer.alloc(MAX_VALUE_BYTES, 9);
    const r2 = await store.update(key, bigger, rev);
    t.true((await store.list(key)).items[0]?.value.equals(bigger));
    const events = await take(store, key, rev, 1);
    t.true(events[0]?.type === 'put' && events[0].kv.value.equals(bigger) && events[0].prev?.value.equals(big));
    await rejectsWith(t, store.update(key, Buffer.alloc(MAX_VALUE_BYTES + 1), r2), 'tooLarge');
    await rejectsWith(t, store.create(`${key}2`, Buffer.alloc(MAX_VALUE_BYTES + 1)), 'tooLarge');
  });
}
