// `skiff server`'s store flags and the log lines of compaction: each round says what it did,
// and a failed round or sweep is logged instead of going nowhere (issue 19).
import test from 'ava';
import { compactionLine, parseBytes, parseDurationMs, parseEventTtl, storeUpkeep } from '../../../src/cli/store-options.js';
import { AutoCompactor, type AutoCompaction } from '../../../src/store/compactor.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { StoreError } from '../../../src/store/types.js';

test('byte quantities: plain, binary and decimal suffixes; anything else is an error', (t) => {
  t.is(parseBytes('268435456'), 268435456);
  t.is(parseBytes('256Mi'), 256 * 2 ** 20);
  t.is(parseBytes('1Gi'), 2 ** 30);
  t.is(parseBytes('500M'), 500e6);
  t.is(parseBytes('0'), 0);
  for (const bad of ['', '-1', '1.5Gi', '10MB', 'Mi', '1 Gi x']) t.throws(() => parseBytes(bad), { message: /invalid byte quantity/ }, bad);
});

test('durations are Go durations in ms; negative ones are refused', (t) => {
  t.is(parseDurationMs('--etcd-compaction-interval', '5m'), 300_000);
  t.is(parseDurationMs('--etcd-compaction-interval', '0'), 0);
  t.is(parseDurationMs('--etcd-compaction-interval', '1h30m'), 5_400_000);
  t.throws(() => parseDurationMs('--etcd-compaction-interval', '5'), { message: 'time: missing unit in duration "5"' });
  t.throws(() => parseDurationMs('--etcd-compaction-interval', '-1m'), { message: /--etcd-compaction-interval -1m: must not be negative/ });
});

test('--event-ttl truncates to whole seconds as upstream; under a second is 0 (never expire)', (t) => {
  t.is(parseEventTtl('1h'), 3600);
  t.is(parseEventTtl('1.9s'), 1);
  t.is(parseEventTtl('500ms'), 0);
});

test('each compaction round is logged with revision, revisions removed, bytes and trigger', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  for (let i = 0; i < 20; i++) await store.create(`/k/${i}`, Buffer.alloc(1000));
  const lines: string[] = [];
  const { autoCompact } = storeUpkeep({ compactionIntervalMs: 0, compactionBytes: 1000 }, (m) => lines.push(m));
  await new AutoCompactor(store, { ...(autoCompact as AutoCompaction), keepRevisions: 5 }).round('size');
  t.is(lines.length, 1);
  t.regex(lines[0]!, /^storage compacted to revision 15 \(size\): 15 revisions removed, \d+\.\d MiB -> \d+\.\d MiB on disk, \d+ ms$/);
  t.is(compactionLine({ revision: 9, removedRevisions: 4, bytesBefore: 3 * 2 ** 20, bytesAfter: 2 ** 20, ms: 12.4, trigger: 'interval' }),
    'storage compacted to revision 9 (interval): 4 revisions removed, 3.0 MiB -> 1.0 MiB on disk, 12 ms');
});

test('a failed compaction round and a failed sweep are logged', async (t) => {
  class BrokenStore extends MemoryStore {
    override async compact(): Promise<void> { throw new StoreError('unavailable', 'database is locked'); }
  }
  const store = new BrokenStore();
  t.teardown(() => store.close());
  for (let i = 0; i < 20; i++) await store.create(`/k/${i}`, Buffer.alloc(1000));
  const lines: string[] = [];
  const { autoCompact, sweep } = storeUpkeep({ compactionIntervalMs: 0, compactionBytes: 1000 }, (m) => lines.push(m));
  await new AutoCompactor(store, { ...(autoCompact as AutoCompaction), keepRevisions: 5 }).round('size');
  (sweep as { onError: (err: unknown) => void }).onError(new Error('disk I/O error'));
  t.deepEqual(lines, [
    'storage compaction failed (the next round tries again): database is locked',
    'expired keys sweep failed (the next sweep tries again): disk I/O error',
  ]);
});

test('without a size bound no size trigger is set; the interval is passed through', (t) => {
  const { autoCompact } = storeUpkeep({ compactionIntervalMs: 60_000, compactionBytes: 0 }, () => {});
  t.like(autoCompact, { intervalMs: 60_000 });
  t.false('maxDbBytes' in (autoCompact as object));
});
