import { Etcd3 } from 'etcd3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../src/store/etcd.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { bench, percentile, timed } from './report.js';

// The store alone: creates/s (sequential and 64 in flight), get latency, a list of 10k keys.
// Ours: the SQLite store and the etcd store; the peer: raw etcd3 client calls against the same
// etcd (what the etcd store could at best do), so the ratios show backend choice and overhead.

const N = Number(process.env.BENCH_STORE_N ?? 2000);
const LIST = 10_000;
const VALUE = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', labels: { app: 'bench' } }, data: { k: 'v'.repeat(600) } }));

/** Ops per second of n calls of op(i), `inFlight` at a time. */
async function rate(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const ms = await timed(() => Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) await op(next++);
  })));
  return n / (ms / 1000);
}

interface Side {
  create(key: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  list(prefix: string): Promise<number>;
}

const storeSide = (s: Store): Side => ({
  create: (k) => s.create(k, VALUE),
  get: (k) => s.get(k),
  list: async (p) => (await s.list(p)).items.length,
});

const rawEtcd = (c: Etcd3): Side => ({
  create: (k) => c.put(k).value(VALUE).exec(),
  get: (k) => c.get(k).buffer(),
  list: async (p) => Object.keys(await c.getAll().prefix(p).buffers()).length,
});

async function measure(side: Side, tag: string) {
  const seq = await rate(N, 1, (i) => side.create(`/${tag}/seq/${i}`));
  const par = await rate(N * 2, 64, (i) => side.create(`/${tag}/par/${i}`));
  const gets: number[] = [];
  for (let i = 0; i < N; i++) gets.push(await timed(() => side.get(`/${tag}/seq/${(i * 7919) % N}`)));
  await rate(LIST, 64, (i) => side.create(`/${tag}/list/${String(i).padStart(6, '0')}`));
  const lists: number[] = [];
  for (let i = 0; i < 5; i++) {
    lists.push(await timed(async () => {
      if ((await side.list(`/${tag}/list/`)) !== LIST) throw new Error(`${tag}: list is short`);
    }));
  }
  return { seq, par, p50: percentile(gets, 50), p99: percentile(gets, 99), list: percentile(lists, 50) };
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-store-'));
  const etcd = await startEtcd();
  const sqlite = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false });
  const etcdStore = new EtcdStore({ endpoints: [etcd.endpoint], prefix: '/ours', autoCompact: false });
  const raw = new Etcd3({ hosts: [etcd.endpoint], grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  try {
    const results = {
      sqlite: await measure(storeSide(sqlite), 'sqlite'),
      etcd: await measure(storeSide(etcdStore), 'etcd'),
    };
    const peer = await measure(rawEtcd(raw), 'raw');
    const peerName = 'etcd 3.4.23 via raw etcd3 client';
    console.log(`store: ${N} sequential creates, ${N * 2} with 64 in flight, ${N} gets, list of ${LIST} (values ${VALUE.length} bytes)`);
    for (const [name, r] of Object.entries(results)) {
      bench({ name: `store.${name}.create.seq`, unit: 'ops/s', ours: r.seq, peer: peer.seq, peer_name: peerName, better: 'higher' });
      bench({ name: `store.${name}.create.inflight64`, unit: 'ops/s', ours: r.par, peer: peer.par, peer_name: peerName, better: 'higher' });
      bench({ name: `store.${name}.get.p50`, unit: 'ms', ours: r.p50, peer: peer.p50, peer_name: peerName, better: 'lower' });
      bench({ name: `store.${name}.get.p99`, unit: 'ms', ours: r.p99, peer: peer.p99, peer_name: peerName, better: 'lower' });
      bench({ name: `store.${name}.list10k`, unit: 'ms', ours: r.list, peer: peer.list, peer_name: peerName, better: 'lower' });
    }
  } finally {
    raw.close();
    await etcdStore.close();
    await sqlite.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
