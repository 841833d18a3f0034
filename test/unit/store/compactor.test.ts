import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/host/clock.js';
import { AutoCompactor, startAutoCompaction, type CompactionReport } from '../../../src/store/compactor.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/types.js';

// The rounds of automatic compaction, driven by hand: an interval round compacts to what the
// previous one saw, a size round compacts early to the newest keepRevisions once the store holds
// more than maxDbBytes, each reports what it did, and failures go to onError.

async function churn(store: Store, key: string, writes: number, bytes = 1024): Promise<void> {
  let rev = (await store.get(key))?.modRevision ?? (await store.create(key, Buffer.alloc(bytes)));
  for (let i = 0; i < writes; i++) rev = await store.update(key, Buffer.alloc(bytes, i), rev);
}

test('interval rounds compact to the revision the previous round saw, keeping keepRevisions', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const reports: CompactionReport[] = [];
  const compactor = new AutoCompactor(store, { keepRevisions: 5, onCompacted: (r) => reports.push(r) });
  await churn(store, '/a', 19);
  await compactor.round('interval'); // sees 20, nothing to compact yet
  t.is((await store.stats()).compactRevision, 0);
  await churn(store, '/a', 10);
  await compactor.round('interval');
  t.is((await store.stats()).compactRevision, 20);
  t.like(reports[0], { revision: 20, removedRevisions: 20, trigger: 'interval' });
  await compactor.round('interval'); // saw 30, but only 30 - 5 = 25 may go
  t.is((await store.stats()).compactRevision, 25);
});

test('a size round compacts only past maxDbBytes, to the newest keepRevisions, and reports bytes and time', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const clock = new FakeClock();
  const reports: CompactionReport[] = [];
  const compactor = new AutoCompactor(store, { keepRevisions: 10, maxDbBytes: 100 * 1024, clock, onCompacted: (r) => reports.push(r) });
  await churn(store, '/a', 29);
  await compactor.round('size');
  t.deepEqual(reports, [], 'about 60 KiB held (each row keeps its value and the one it replaced): under the bound');
  await churn(store, '/a', 30);
  await compactor.round('size');
  t.is(reports.length, 1);
  const [r] = reports;
  t.like(r, { revision: 50, removedRevisions: 50, trigger: 'size', ms: 0 });
  t.true(r!.bytesAfter < r!.bytesBefore);
  await compactor.round('size');
  t.is(reports.length, 1, 'back under the bound');
});

test('a size round on SQLite gives the file back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-compactor-'));
  const store = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false, sweep: false });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const reports: CompactionReport[] = [];
  const compactor = new AutoCompactor(store, { keepRevisions: 10, maxDbBytes: 1024 * 1024, onCompacted: (r) => reports.push(r) });
  await churn(store, '/a', 300, 8 * 1024);
  await compactor.round('size');
  t.is(reports.length, 1);
  t.true(reports[0]!.bytesAfter < reports[0]!.bytesBefore / 4, JSON.stringify(reports[0]));
  t.true((await store.stats()).inUseBytes < 1024 * 1024);
});

test('a failed round goes to onError and the next round runs', async (t) => {
  const store = new MemoryStore();
  const errors: unknown[] = [];
  const compactor = new AutoCompactor(store, { maxDbBytes: 0, keepRevisions: 0, onError: (e) => errors.push(e) });
  await churn(store, '/a', 3);
  await store.close();
  await compactor.round('size');
  t.is(errors.length, 1);
  t.is((errors[0] as { kind?: string }).kind, 'unavailable');
  await compactor.round('size');
  t.is(errors.length, 2);
});

test('startAutoCompaction runs size rounds on its own timer and stops when told', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  await churn(store, '/a', 50);
  const alive = setInterval(() => {}, 1000); // the compaction timers are unref'd
  t.teardown(() => clearInterval(alive));
  const reported = new Promise<CompactionReport>((resolve) => {
    const stop = startAutoCompaction(store, { intervalMs: 0, maxDbBytes: 1024, sizeCheckMs: 5, keepRevisions: 5, onCompacted: (r) => {
      stop();
      resolve(r);
    } });
  });
  t.like(await reported, { revision: 46, trigger: 'size' });
  await churn(store, '/a', 50);
  await new Promise((r) => setTimeout(r, 50));
  t.is((await store.stats()).compactRevision, 46, 'no round after stop');
});
