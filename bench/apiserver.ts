import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { makePki } from '../src/apiserver/pki.js';
import { startApiServer } from '../src/apiserver/server.js';
import { apiServerDeps } from '../src/cli/apiserver-deps.js';
import { standInHooks } from '../test/helpers/apiserver-stand-ins.js';
import { EtcdStore } from '../src/store/etcd.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { bench, percentile, timed } from './report.js';

// The apiserver end to end: creates/s (HTTPS keep-alive, 64 in flight), get p50/p99, a list of
// 10k ConfigMaps, and one event fanned out to 1,000 watchers (delivery p99: from sending the
// create to each watcher reading the event), on SQLite and on etcd. The client runs in its own
// process (this file, forked with CLIENT_FLAG) so it does not take the server's CPU. The peer
// is etcd itself through raw etcd3 calls: the same operations with nothing of ours in between.

const CLIENT_FLAG = '--skiff-apiserver-bench-client';
const CREATES = Number(process.env.BENCH_APISERVER_N ?? 10_000);
const IN_FLIGHT = 64;
const GETS = 2000;
const WATCHERS = Number(process.env.BENCH_APISERVER_WATCHERS ?? 1000);
const WATCH_EVENTS = 50;
const PEER = 'etcd 3.4.23 via raw etcd3 client';

interface Figures { creates: number; p50: number; p99: number; list: number; watchP50: number; watchP99: number }
interface ClientJob { url: string; ca: string; cert: string; key: string }

const configMap = (ns: string, name: string, extra: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench' } }, data: { k: 'v'.repeat(600), ...extra },
});
const now = () => performance.timeOrigin + performance.now();

/** Ops per second of n calls of op(i), `inFlight` at a time. */
async function rate(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const ms = await timed(() => Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) await op(next++);
  })));
  return n / (ms / 1000);
}

/** Waits until `count()` reaches n; rejects after `ms` so a lost event cannot hang the bench. */
async function until(count: () => number, n: number, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`${what}: ${count()} of ${n} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ---- the client process ----

async function client(job: ClientJob): Promise<Figures> {
  const tls = { ca: job.ca, cert: job.cert, key: job.key };
  const agent = new Agent({ ...tls, keepAlive: true, maxSockets: IN_FLIGHT });
  const call = (method: string, path: string, body?: unknown) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${job.url}${path}`, { method, agent, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
        else resolve({ status: res.statusCode!, text });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
  for (const ns of ['bench', 'bench-watch']) await call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const creates = await rate(CREATES, IN_FLIGHT, (i) => call('POST', '/api/v1/namespaces/bench/configmaps', configMap('bench', `cm-${i}`)));
  const gets: number[] = [];
  for (let i = 0; i < GETS; i++) gets.push(await timed(() => call('GET', `/api/v1/namespaces/bench/configmaps/cm-${(i * 7919) % CREATES}`)));
  const lists: number[] = [];
  for (let i = 0; i < 5; i++) {
    lists.push(await timed(async () => {
      const items = JSON.parse((await call('GET', '/api/v1/namespaces/bench/configmaps')).text).items.length;
      if (items !== CREATES) throw new Error(`list is short: ${items}`);
    }));
  }
  const rv = JSON.parse((await call('GET', '/api/v1/namespaces/bench-watch/configmaps')).text).metadata.resourceVersion;
  const latencies: number[] = [];
  const watchAgent = new Agent({ ...tls, keepAlive: false, maxSockets: Infinity });
  const open: (() => void)[] = [];
  let ready = 0;
  for (let i = 0; i < WATCHERS; i++) {
    const req = request(`${job.url}/api/v1/namespaces/bench-watch/configmaps?watch=1&resourceVersion=${rv}`, { agent: watchAgent }, (res) => {
      ready++;
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (ev.type === 'ADDED') latencies.push(now() - Number(ev.object.data.sent));
        }
      });
    });
    req.on('error', () => {});
    req.end();
    open.push(() => req.destroy());
  }
  await until(() => ready, WATCHERS, 120_000, 'watchers started');
  for (let i = 0; i < WATCH_EVENTS; i++) {
    await call('POST', '/api/v1/namespaces/bench-watch/configmaps', configMap('bench-watch', `w-${i}`, { sent: String(now()) }));
    // Paced: one event at a time fanned out, not a backlog.
    await until(() => latencies.length, (i + 1) * WATCHERS, 60_000, 'watch events delivered');
  }
  for (const stop of open) stop();
  agent.destroy();
  watchAgent.destroy();
  return { creates, p50: percentile(gets, 50), p99: percentile(gets, 99), list: percentile(lists, 50), watchP50: percentile(latencies, 50), watchP99: percentile(latencies, 99) };
}

if (process.argv.includes(CLIENT_FLAG)) {
  process.once('message', (job: ClientJob) => {
    client(job).then((f) => process.send!({ ok: f }, () => process.exit(0)), (err: Error) => process.send!({ err: err.stack ?? String(err) }, () => process.exit(1)));
  });
}

// ---- the server side ----

/** Serves `store` and drives it from a forked client. Rejects when the client fails. */
async function measureServer(store: Store): Promise<Figures> {
  const pki = makePki();
  const log = () => {};
  // The stand-in module hooks as before (no defaulting or validation); auth, RBAC and admission as `skiff server` wires them.
  const deps = apiServerDeps({ store, log, clientCA: pki.ca.cert, hooks: standInHooks() });
  const server = await startApiServer({ tls: { cert: pki.serving.cert, key: pki.serving.key, ca: pki.ca.cert }, log, ...deps });
  const child = fork(fileURLToPath(import.meta.url), [CLIENT_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    return await new Promise<Figures>((resolve, reject) => {
      child.once('message', (m: { ok?: Figures; err?: string }) => (m.ok ? resolve(m.ok) : reject(new Error(`bench client: ${m.err}`))));
      child.once('exit', (code) => reject(new Error(`bench client exited with ${code}`)));
      child.send({ url: server.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key } satisfies ClientJob);
    });
  } finally {
    if (child.exitCode === null) child.kill();
    await server.registry.close();
    await server.close();
  }
}

/** The same operations as raw etcd3 calls. */
async function measurePeer(c: Etcd3): Promise<Figures> {
  const value = (name: string, extra = {}) => JSON.stringify(configMap('bench', name, extra));
  const creates = await rate(CREATES, IN_FLIGHT, (i) => c.put(`/peer/cm/cm-${i}`).value(value(`cm-${i}`)).exec());
  const gets: number[] = [];
  for (let i = 0; i < GETS; i++) gets.push(await timed(() => c.get(`/peer/cm/cm-${(i * 7919) % CREATES}`).buffer()));
  const lists: number[] = [];
  for (let i = 0; i < 5; i++) {
    lists.push(await timed(async () => {
      const all = await c.getAll().prefix('/peer/cm/').strings();
      if (Object.values(all).map((v) => JSON.parse(v)).length !== CREATES) throw new Error('peer list is short');
    }));
  }
  const latencies: number[] = [];
  const watchers = await Promise.all(Array.from({ length: WATCHERS }, async () => {
    const w = await c.watch().prefix('/peer/watch/').create();
    w.on('put', (kv) => latencies.push(now() - Number(JSON.parse(kv.value.toString()).data.sent)));
    return w;
  }));
  for (let i = 0; i < WATCH_EVENTS; i++) {
    await c.put(`/peer/watch/w-${i}`).value(value(`w-${i}`, { sent: String(now()) })).exec();
    await until(() => latencies.length, (i + 1) * WATCHERS, 60_000, 'peer watch events delivered');
  }
  await Promise.all(watchers.map((w) => w.cancel()));
  return { creates, p50: percentile(gets, 50), p99: percentile(gets, 99), list: percentile(lists, 50), watchP50: percentile(latencies, 50), watchP99: percentile(latencies, 99) };
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-apiserver-'));
  const etcd = await startEtcd();
  const raw = new Etcd3({ hosts: [etcd.endpoint], grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  try {
    const results: Record<string, Figures> = {};
    const sqlite = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false });
    try { results.sqlite = await measureServer(sqlite); } finally { await sqlite.close(); }
    const etcdStore = new EtcdStore({ endpoints: [etcd.endpoint], prefix: '/ours', autoCompact: false });
    try { results.etcd = await measureServer(etcdStore); } finally { await etcdStore.close(); }
    const peer = await measurePeer(raw);
    console.log(`apiserver: ${CREATES} ConfigMap creates (${IN_FLIGHT} in flight, HTTPS keep-alive, client in its own process), ${GETS} gets, list of ${CREATES}, ${WATCH_EVENTS} events to ${WATCHERS} watchers`);
    for (const [name, r] of Object.entries(results)) {
      const line = (metric: string, unit: string, ours: number, p: number, better: 'higher' | 'lower') =>
        bench({ name: `apiserver.${name}.${metric}`, unit, ours, peer: p, peer_name: PEER, better });
      line(`create.inflight${IN_FLIGHT}`, 'ops/s', r.creates, peer.creates, 'higher');
      line('get.p50', 'ms', r.p50, peer.p50, 'lower');
      line('get.p99', 'ms', r.p99, peer.p99, 'lower');
      line(`list${CREATES / 1000}k`, 'ms', r.list, peer.list, 'lower');
      line(`watch${WATCHERS}.delivery.p50`, 'ms', r.watchP50, peer.watchP50, 'lower');
      line(`watch${WATCHERS}.delivery.p99`, 'ms', r.watchP99, peer.watchP99, 'lower');
    }
  } finally {
    raw.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
