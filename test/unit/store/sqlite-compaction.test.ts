import test, { type ExecutionContext } from 'ava';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextTurn, type MaintenanceStep } from '../../../src/store/maintenance.js';
import { SqliteStore } from '../../../src/store/sqlite.js';

// Compaction of a file with tens of MB of history, with a client writing and reading all along:
// the timeline of compaction steps and completed requests shows that requests are served
// between two steps of every phase, and the WAL stays far below what the vacuum moved.

type Mark = MaintenanceStep | { request: number };

async function storeWithHistory(t: ExecutionContext, timeline: Mark[]) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-compact-'));
  const path = join(dir, 'state.db');
  const walPeaks: number[] = [];
  const wal = () => {
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  };
  const store = new SqliteStore({
    path,
    autoCompact: false,
    sweep: false,
    maintenance: {
      chunkRevisions: 100,
      vacuumPages: 256,
      pause: async (step) => {
        timeline.push(step);
        walPeaks.push(wal());
        await nextTurn();
      },
    },
  });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  // 20 keys x 60 updates of 16 KiB: ~19 MiB of superseded values (and as much in old_value).
  const keys = Array.from({ length: 20 }, (_, i) => `/configmaps/default/cm${i}`);
  const revs = new Map<string, number>();
  for (const k of keys) revs.set(k, await store.create(k, Buffer.alloc(16 * 1024, 1)));
  for (let round = 0; round < 60; round++) {
    for (const k of keys) revs.set(k, await store.update(k, Buffer.alloc(16 * 1024, round), revs.get(k)!));
  }
  return { store, keys, revs, wal, walPeaks };
}

test('a large compaction lets requests through between its steps, keeps the WAL small and truncates it at the end', async (t) => {
  const timeline: Mark[] = [];
  const { store, keys, revs, wal, walPeaks } = await storeWithHistory(t, timeline);
  const before = await store.stats();
  let done = false;
  let walAtEnd = -1;
  const compaction = store.compact(await store.revision()).then(() => {
    done = true;
    walAtEnd = wal();
  });
  // A client like an apiserver's: each request arrives as I/O (a macrotask), reads and writes.
  let served = 0;
  while (!done) {
    await nextTurn();
    const k = keys[served % keys.length]!;
    t.truthy(await store.get(k));
    revs.set(k, await store.update(k, Buffer.from(`small ${served}`), revs.get(k)!));
    timeline.push({ request: ++served });
  }
  await compaction;
  const after = await store.stats();

  const isStep = (m: Mark | undefined, phase: MaintenanceStep['phase']) => m !== undefined && 'phase' in m && m.phase === phase;
  // A step of the phase, then a request, and the next step is of the same phase again.
  const between = (phase: MaintenanceStep['phase']) =>
    timeline.some((m, i) => isStep(m, phase) && 'request' in (timeline[i + 1] ?? {}) && isStep(timeline.slice(i + 1).find((x) => 'phase' in x), phase));
  t.true(timeline.filter((m) => 'phase' in m && m.phase === 'delete').length > 1, 'the deletes ran in several transactions');
  t.true(timeline.filter((m) => 'phase' in m && m.phase === 'vacuum').length > 1, 'the vacuum ran in several steps');
  t.true(between('delete'), 'a request completed between two delete steps');
  t.true(between('vacuum'), 'a request completed between two vacuum steps');

  const freed = before.dbBytes - after.dbBytes;
  t.true(freed > 20 * 1024 * 1024, `the file shrank by ${freed} bytes`);
  t.true(Math.max(...walPeaks) < freed / 3, `WAL peaked at ${Math.max(...walPeaks)} bytes while ${freed} were freed`);
  t.is(walAtEnd, 0, 'the final checkpoint truncated the WAL');
  // Every key still reads its latest value after all of it.
  for (const k of keys) t.is((await store.get(k))?.modRevision, revs.get(k));
});
