import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/host/clock.js';
import { LeaseBuckets } from '../../../src/store/etcd-leases.js';
import type { MaintenanceStep } from '../../../src/store/maintenance.js';
import { SqliteStore, type SqliteStoreOptions } from '../../../src/store/sqlite.js';

// What the contract leaves to each backend: when exactly the fakes expire, how SQLite sweeps in
// steps and opens files written before TTLs existed, and how etcd leases are shared.

async function sqlite(t: ExecutionContext, opts: Partial<SqliteStoreOptions> = {}, init?: (path: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-ttl-'));
  const path = join(dir, 'state.db');
  init?.(path);
  const clock = new FakeClock();
  const store = new SqliteStore({ path, autoCompact: false, sweep: false, clock, ...opts });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, clock };
}

test('sqlite: a key lives its whole TTL, and an update with a TTL counts from the update', async (t) => {
  const { store, clock } = await sqlite(t);
  const c = await store.create('/events/default/a', Buffer.from('1'), { ttlSeconds: 60 });
  clock.advance(30_000);
  await store.update('/events/default/a', Buffer.from('2'), c, { ttlSeconds: 60 });
  clock.advance(59_999);
  t.is(await store.sweepExpired(), 0);
  t.truthy(await store.get('/events/default/a'));
  clock.advance(1);
  t.is(await store.sweepExpired(), 1);
  t.is(await store.get('/events/default/a'), undefined);
  t.is(await store.sweepExpired(), 0, 'a tombstone is not swept again');
});

test('sqlite: a sweep of many keys deletes them in batches with a pause between two', async (t) => {
  const steps: MaintenanceStep[] = [];
  const { store, clock } = await sqlite(t, { maintenance: { sweepBatch: 4, pause: async (s) => void steps.push(s) } });
  for (let i = 0; i < 10; i++) await store.create(`/events/ns/e${i}`, Buffer.from('x'), { ttlSeconds: 1 });
  await store.create('/events/ns/permanent', Buffer.from('x'));
  clock.advance(1000);
  t.is(await store.sweepExpired(), 10);
  t.deepEqual(steps, [{ phase: 'sweep', n: 1 }, { phase: 'sweep', n: 2 }]);
  t.deepEqual((await store.list('/events/ns/')).items.map((kv) => kv.key), ['/events/ns/permanent']);
});

test('sqlite: a file written before TTLs existed opens, keeps its data and takes TTL writes', async (t) => {
  const { store, clock } = await sqlite(t, {}, (path) => {
    const db = new Database(path);
    db.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER NOT NULL, deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value BLOB, old_value BLOB);
      INSERT INTO kv VALUES (1, '/old', 1, 0, 1, 0, X'6f6c64', NULL);`);
    db.close();
  });
  t.deepEqual((await store.get('/old'))?.value, Buffer.from('old'));
  await store.create('/new', Buffer.from('n'), { ttlSeconds: 5 });
  clock.advance(5000);
  t.is(await store.sweepExpired(), 1);
  t.truthy(await store.get('/old'));
});

test('sqlite: the sweep timer deletes expired keys on its own', async (t) => {
  const { store, clock } = await sqlite(t, { sweep: { intervalMs: 5 } });
  await store.create('/events/x', Buffer.from('x'), { ttlSeconds: 1 });
  clock.advance(1000);
  const ac = new AbortController();
  // The sweep timer is unref'd (it must not keep a server alive); this keeps the test's process up.
  const alive = setInterval(() => {}, 1000);
  t.teardown(() => {
    ac.abort();
    clearInterval(alive);
  });
  for await (const ev of store.watch('/events/', 0, ac.signal)) {
    if (ev.type === 'delete') break;
  }
  t.is(await store.get('/events/x'), undefined);
});

function leases() {
  const clock = new FakeClock();
  const granted: number[] = [];
  const buckets = new LeaseBuckets(clock, async (ttl) => {
    granted.push(ttl);
    return String(granted.length);
  });
  return { clock, granted, buckets };
}

test('etcd leases: an hour TTL shares one lease for a minute, granted for the TTL plus that minute', async (t) => {
  const { clock, granted, buckets } = leases();
  t.is(await buckets.lease(3600), '1');
  clock.advance(59_000);
  t.is(await buckets.lease(3600), '1');
  clock.advance(1_000);
  t.is(await buckets.lease(3600), '2', 'the first lease would outlive the TTL by a whole minute');
  t.deepEqual(granted, [3660, 3660]);
});

test('etcd leases: a short TTL gets its own lease each time (5% of it rounds to no reuse)', async (t) => {
  const { granted, buckets } = leases();
  t.deepEqual(await Promise.all([buckets.lease(10), buckets.lease(10)]), ['1', '2']);
  t.deepEqual(granted, [10, 10]);
});

test('etcd leases: concurrent writes wait for one grant and share it', async (t) => {
  const { granted, buckets } = leases();
  t.deepEqual(await Promise.all([buckets.lease(1200), buckets.lease(1200), buckets.lease(1200)]), ['1', '1', '1']);
  t.deepEqual(granted, [1260]);
});
