import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type SqliteStoreOptions } from '../../../src/store/sqlite.js';
import { StoreError, type WatchEvent } from '../../../src/store/types.js';
import { eventually } from '../../helpers/names.js';

// What only the SQLite backend promises beyond the contract: a bounded file, durability of
// its revision counters across reopen, a slow watcher that falls back to history, and
// automatic compaction.

async function tempDb(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-sqlite-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

function open(t: ExecutionContext, opts: SqliteStoreOptions): SqliteStore {
  const store = new SqliteStore(opts);
  t.teardown(() => store.close());
  return store;
}

async function fileBytes(path: string): Promise<number> {
  let total = 0;
  for (const p of [path, `${path}-wal`]) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  return total;
}

test('compaction gives the space of superseded rows back to the file system', async (t) => {
  const path = await tempDb(t);
  const store = open(t, { path, autoCompact: false });
  const value = Buffer.alloc(32 * 1024, 1);
  let rev = await store.create('/k', value);
  for (let i = 0; i < 200; i++) rev = await store.update('/k', value, rev);
  for (let i = 0; i < 50; i++) {
    await store.create(`/gone${i}`, value);
    await store.delete(`/gone${i}`);
  }
  const before = await fileBytes(path);
  await store.compact(await store.revision());
  const after = await fileBytes(path);
  t.true(after < before / 10, `${before} -> ${after} bytes`);
  t.true((await store.get('/k'))!.value.equals(value));
  t.is(await store.count('/gone'), 0);
});

test('revision and compaction point survive a reopen', async (t) => {
  const path = await tempDb(t);
  const first = new SqliteStore({ path, autoCompact: false });
  const r1 = await first.create('/a', Buffer.from('1'));
  const r2 = await first.update('/a', Buffer.from('2'), r1);
  const { revision: r3 } = await first.delete('/a');
  await first.compact(r2);
  await first.close();
  const again = open(t, { path, autoCompact: false });
  t.is(await again.revision(), r3);
  await t.throwsAsync(again.get('/a', r1), { instanceOf: StoreError, message: /compacted/ });
  // A compacted tombstone at the head must not let the revision go backwards.
  await again.compact(r3);
  t.is(await again.create('/b', Buffer.from('x')), r3 + 1);
});

test('a watcher that does not read falls back to history and still sees every event in order', async (t) => {
  const store = open(t, { path: await tempDb(t), autoCompact: false });
  const from = await store.revision();
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const it = store.watch('/w/', from, ac.signal)[Symbol.asyncIterator]();
  const first = it.next(); // registers the watcher, then leaves it unread
  const n = 10_500;
  for (let i = 0; i < n; i++) await store.create(`/w/${String(i).padStart(6, '0')}`, Buffer.from(String(i)));
  const seen: WatchEvent[] = [(await first).value as WatchEvent];
  while (seen.length < n) seen.push((await it.next()).value as WatchEvent);
  t.deepEqual(seen.map((e) => (e.type === 'put' ? Number(e.kv.value.toString()) : -1)), Array.from({ length: n }, (_, i) => i));
});

test('automatic compaction forgets old history on its own', async (t) => {
  const store = open(t, { path: await tempDb(t), autoCompact: { intervalMs: 10, keepRevisions: 5 } });
  const r1 = await store.create('/a', Buffer.from('0'));
  let rev = r1;
  for (let i = 1; i <= 30; i++) rev = await store.update('/a', Buffer.from(String(i)), rev);
  await eventually(async () => {
    const err = await store.get('/a', r1).then(() => undefined, (e: StoreError) => e);
    if (err?.kind !== 'compacted') throw new Error('not compacted yet');
  }, 10_000);
  t.is((await store.get('/a'))?.value.toString(), '30');
  t.truthy(await store.get('/a', rev - 5));
});

test('an update stores its value once: the value it replaced is found through prev_revision, not copied', async (t) => {
  const store = open(t, { path: await tempDb(t), autoCompact: false, sweep: false });
  const value = (i: number) => Buffer.alloc(64 * 1024, i);
  let rev = await store.create('/k', value(0));
  const before = (await store.stats()).inUseBytes;
  for (let i = 1; i <= 100; i++) rev = await store.update('/k', value(i), rev);
  const perWrite = ((await store.stats()).inUseBytes - before) / 100;
  t.true(perWrite < 1.2 * 64 * 1024, `${perWrite} bytes per 64 KiB update`);
  // Watch catch-up still hands out every prev, from the superseded rows.
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  let n = 0;
  for await (const ev of store.watch('/k', rev - 50, ac.signal)) {
    t.true(ev.type === 'put' && ev.prev?.value.equals(value(ev.kv.value[0]! - 1)) && ev.prev.modRevision === ev.kv.modRevision - 1);
    if (++n === 50) break;
  }
});

test('the page cache is SQLite\'s 2 MB, not better-sqlite3\'s 16 MB (a second copy of what the kernel caches, in RSS)', async (t) => {
  const store = open(t, { path: await tempDb(t), autoCompact: false });
  // The connection's own setting, as SQLite reports it (negative: KiB).
  const db = (store as unknown as { db: { pragma(p: string, o: { simple: true }): unknown } }).db;
  t.is(db.pragma('cache_size', { simple: true }), -2000);
});
