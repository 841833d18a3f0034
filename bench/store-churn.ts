import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAutoCompaction, type CompactionReport } from '../src/store/compactor.js';
import { EtcdStore } from '../src/store/etcd.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { StoreError, type Store } from '../src/store/types.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { bench } from './report.js';

// Issue 19's churn, on the store alone: N ConfigMap-sized objects updated round-robin by
// concurrent writers at full speed, a tenth deleted and recreated periodically, one watcher
// reading everything, automatic compaction on; then everything deleted and compacted once more.
// Ours: the SQLite store (embedded, so its RSS is this process's); the peer: the same run on
// etcd through the etcd store (its RSS is etcd's). Defaults finish in about 2-3 minutes; the
// issue's full run is CHURN_OBJECTS=1000 CHURN_SECONDS=900 CHURN_RECREATE_MS=30000
// CHURN_COMPACT_MS=300000.

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const OBJECTS = num('CHURN_OBJECTS', 300);
const BYTES = num('CHURN_BYTES', 8800);
const WRITERS = num('CHURN_WRITERS', 32);
const SECONDS = num('CHURN_SECONDS', 45);
const RECREATE_MS = num('CHURN_RECREATE_MS', 10_000);
const COMPACT_MS = num('CHURN_COMPACT_MS', 15_000);
const KEEP = num('CHURN_KEEP_REVISIONS', 1000);
// The size trigger, so the peak is bounded by bytes rather than by writes per interval (0: off).
const MAX_DB = num('CHURN_MAX_DB_BYTES', 64 * 2 ** 20) || undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (i: number) => `/configmaps/churn/cm-${String(i).padStart(5, '0')}`;

function configMap(i: number, gen: number): Buffer {
  const head = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'churn', labels: { gen: String(gen) } }, data: { blob: '' } });
  return Buffer.from(head.replace('"blob":""', `"blob":"${'x'.repeat(Math.max(0, BYTES - head.length))}"`));
}

interface Outcome {
  writes: number;
  peakDbBytes: number;
  liveBytes: number;
  /** Longest request (or event-loop turn, what /healthz would wait) overlapping a compaction. */
  longestWaitMs: number;
  longestLoopLagMs: number;
  compactions: CompactionReport[];
  rssWatchingMb: number;
  rssAfterDeleteMb: number;
  dbBytesAfterDelete: number;
  watched: number;
}

async function churn(store: Store, rssMb: () => number): Promise<Outcome> {
  const windows: [number, number][] = [];
  const requests: [number, number][] = [];
  const lags: [number, number][] = [];
  const reports: CompactionReport[] = [];
  const stopCompaction = startAutoCompaction(store, {
    intervalMs: COMPACT_MS,
    keepRevisions: KEEP,
    maxDbBytes: MAX_DB,
    sizeCheckMs: 2000,
    onCompacted: (r) => {
      const end = performance.now();
      windows.push([end - r.ms, end]);
      reports.push(r);
    },
    onError: (err) => console.error('store-churn: compaction failed:', err),
  });
  const timed = async <T>(op: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await op();
    } finally {
      requests.push([start, performance.now()]);
    }
  };

  const revs = new Map<number, number>();
  for (let i = 0; i < OBJECTS; i++) revs.set(i, await store.create(key(i), configMap(i, 0)));
  const ac = new AbortController();
  let watched = 0;
  const watcher = (async () => {
    try {
      for await (const _ of store.watch('/configmaps/churn/', await store.revision(), ac.signal)) watched++;
    } catch (err) {
      if (!(err instanceof StoreError && err.kind === 'compacted')) throw err;
      console.error('store-churn: the watcher fell behind the compaction point');
    }
  })();

  const until = performance.now() + SECONDS * 1000;
  let next = 0;
  let writes = 0;
  let peakDbBytes = 0;
  let rssWatching = 0;
  const writer = async () => {
    while (performance.now() < until) {
      // A request arrives as I/O: without this, SQLite's calls (synchronous inside) would chain
      // in microtasks and starve timers, the watcher's consumers and compaction alike.
      await new Promise((r) => setImmediate(r));
      const i = next++ % OBJECTS;
      const rev = revs.get(i);
      try {
        if (rev === undefined) revs.set(i, await timed(() => store.create(key(i), configMap(i, writes))));
        else revs.set(i, await timed(() => store.update(key(i), configMap(i, writes), rev)));
        writes++;
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        if (err.kind === 'conflict') revs.set(i, err.details.current!.modRevision);
        else if (err.kind === 'notFound') revs.delete(i);
        else if (err.kind !== 'exists') throw err;
      }
    }
  };
  const recreator = async () => {
    for (let round = 0; performance.now() + RECREATE_MS < until; round++) {
      await sleep(RECREATE_MS);
      const tenth = Array.from({ length: Math.ceil(OBJECTS / 10) }, (_, j) => (round * 7 + j * 10) % OBJECTS);
      for (const i of tenth) await timed(() => store.delete(key(i))).catch(() => {});
      for (const i of tenth) revs.delete(i);
    }
  };
  const sampler = async () => {
    let expected = performance.now() + 20;
    while (performance.now() < until) {
      await sleep(20);
      const now = performance.now();
      lags.push([expected, Math.max(expected, now)]);
      expected = now + 20;
      if (lags.length % 25 === 0) {
        peakDbBytes = Math.max(peakDbBytes, (await store.stats()).dbBytes);
        rssWatching = Math.max(rssWatching, rssMb());
      }
    }
  };
  await Promise.all([...Array.from({ length: WRITERS }, writer), recreator(), sampler()]);

  // Everything deleted, one last compaction over all of it, then what is left.
  for (let i = 0; i < OBJECTS; i++) await store.delete(key(i)).catch(() => {});
  ac.abort();
  await watcher;
  stopCompaction();
  await store.compact(await store.revision());
  peakDbBytes = Math.max(peakDbBytes, (await store.stats()).dbBytes);
  await sleep(1000);
  const dbBytesAfterDelete = (await store.stats()).dbBytes;

  const during = (spans: [number, number][]) =>
    spans.reduce((max, [s, e]) => (e - s > max && windows.some(([cs, ce]) => s < ce && e > cs) ? e - s : max), 0);
  return {
    writes,
    peakDbBytes,
    liveBytes: OBJECTS * (BYTES + key(0).length),
    longestWaitMs: during(requests),
    longestLoopLagMs: during(lags),
    compactions: reports,
    rssWatchingMb: rssWatching,
    rssAfterDeleteMb: rssMb(),
    dbBytesAfterDelete,
    watched,
  };
}

const ownRss = () => process.memoryUsage().rss / 2 ** 20;
function pidRss(pid: number): () => number {
  return () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

function summary(name: string, o: Outcome): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const worst = o.compactions.reduce((m, r) => Math.max(m, r.ms), 0);
  return `store-churn ${name}: ${o.writes} writes (${(o.writes / SECONDS).toFixed(0)}/s), ${o.watched} events watched, ` +
    `${o.compactions.length} compactions (longest ${worst.toFixed(0)} ms end to end), peak db ${mb(o.peakDbBytes)} MB for ${mb(o.liveBytes)} MB live, ` +
    `after deleting all ${mb(o.dbBytesAfterDelete)} MB; longest request during a compaction ${o.longestWaitMs.toFixed(1)} ms, ` +
    `longest event-loop stall ${o.longestLoopLagMs.toFixed(1)} ms; RSS ${o.rssWatchingMb.toFixed(0)} MB watching, ${o.rssAfterDeleteMb.toFixed(0)} MB after`;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-churn-'));
  const etcd = await startEtcd();
  const sqlite = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false });
  const etcdStore = new EtcdStore({ endpoints: [etcd.endpoint], autoCompact: false });
  try {
    console.log(`store-churn: ${OBJECTS} objects of ${BYTES} bytes, ${WRITERS} writers for ${SECONDS} s, a tenth recreated every ${RECREATE_MS / 1000} s, ` +
      `compaction every ${COMPACT_MS / 1000} s keeping ${KEEP} revisions${MAX_DB ? ` or past ${MAX_DB} bytes` : ''}, one watcher`);
    const ours = await churn(sqlite, ownRss);
    console.log(summary('sqlite', ours));
    const peer = await churn(etcdStore, pidRss(etcd.pid));
    console.log(summary('etcd', peer));
    const peerName = 'etcd 3.4.23 via the etcd store (RSS: the etcd process)';
    const line = (name: string, unit: string, a: number, b: number) => bench({ name: `store-churn.${name}`, unit, ours: a, peer: b, peer_name: peerName, better: 'lower' });
    line('peak_db_over_live', 'x', ours.peakDbBytes / ours.liveBytes, peer.peakDbBytes / peer.liveBytes);
    line('longest_request_during_compaction', 'ms', ours.longestWaitMs, peer.longestWaitMs);
    line('longest_loop_stall_during_compaction', 'ms', ours.longestLoopLagMs, peer.longestLoopLagMs);
    line('rss_watching', 'MB', ours.rssWatchingMb, peer.rssWatchingMb);
    line('db_after_delete_all', 'MB', ours.dbBytesAfterDelete / 2 ** 20, peer.dbBytesAfterDelete / 2 ** 20);
    bench({ name: 'store-churn.writes_per_s', unit: 'ops/s', ours: ours.writes / SECONDS, peer: peer.writes / SECONDS, peer_name: peerName, better: 'higher' });
  } finally {
    await etcdStore.close();
    await sqlite.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
