import { fork } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startEtcd, type EtcdServer } from '../test/helpers/etcd.js';
import { removeDir, startServer, type RunningServer } from '../test/e2e/skiff-server.js';
import { bench } from './report.js';

// Issue 19's run against the real `skiff server` (dist/cli/skiff.js; `node scripts/build.mjs`
// first): N ConfigMaps of 8.8 KB, updated round-robin by 32 HTTPS keep-alive clients at full
// speed, a tenth deleted and recreated every CHURN_RECREATE_MS, one `?watch=1` on all
// configmaps (list, then watch from its resourceVersion, as `kubectl get -A -w`) reading
// everything, /healthz probed every 50 ms on a connection of its own; then everything deleted,
// the watch closed and the server left idle. The clients run in a forked process (this file
// with CLIENT_FLAG) so they do not take the server's CPU. Once on SQLite, once on etcd (the peer).
// Compaction windows come from the server's log line of each round (its end and its ms).
// Defaults take about 3 minutes; the issue's full run is CHURN_SECONDS=900 CHURN_RECREATE_MS=30000
// CHURN_COMPACTION_INTERVAL=5m CHURN_COMPACTION_BYTES=256Mi.

const CLIENT_FLAG = '--skiff-server-churn-client';
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const OBJECTS = num('CHURN_OBJECTS', 1000);
const BYTES = num('CHURN_BYTES', 8800);
const WRITERS = num('CHURN_WRITERS', 32);
const SECONDS = num('CHURN_SECONDS', 45);
const RECREATE_MS = num('CHURN_RECREATE_MS', 10_000);
const IDLE_S = num('CHURN_IDLE_S', 20);
const COMPACTION_INTERVAL = process.env.CHURN_COMPACTION_INTERVAL ?? '15s';
const COMPACTION_BYTES = process.env.CHURN_COMPACTION_BYTES ?? '64Mi';
/** --watch-cache-size-bytes, when set (the server's default otherwise). */
const WATCH_CACHE_BYTES = process.env.CHURN_WATCH_CACHE_BYTES;
const HEALTHZ_MS = 50;
const WATCH_CATCH_UP_S = 30;
/** Which runs: `sqlite`, `etcd` or both (the BENCH lines need both). */
const BACKENDS = (process.env.CHURN_BACKENDS ?? 'sqlite,etcd').split(',');
const NS = 'churn';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-ms precision, comparable between the two processes. */
const now = () => performance.timeOrigin + performance.now();

type Span = [number, number];
interface ClientJob { url: string; ca: string; cert: string; key: string }
interface ClientFigures {
  writes: number;
  churnMs: number;
  failures: number;
  watched: number;
  rewatches: number;
  relists: number;
  /** The watch saw the last deletion before it was closed. */
  caughtUp: boolean;
  longestRequestMs: number;
  longestRequestDuringCompactionMs: number;
  longestHealthzMs: number;
  longestHealthzDuringCompactionMs: number;
  healthzFailures: number;
}
type FromClient = { phase: 'churning' | 'deleting' | 'idle' | 'done' } | { ok: ClientFigures } | { err: string };

/** Request spans in one growing typed array: a 15-minute run makes millions. */
class Spans {
  private buf = new Float64Array(1 << 16);
  private n = 0;
  add(start: number, end: number): void {
    if (this.n + 2 > this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = start;
    this.buf[this.n++] = end;
  }
  /** The longest span, and the longest overlapping one of `windows`. */
  longest(windows: readonly Span[]): { any: number; during: number } {
    let any = 0;
    let during = 0;
    for (let i = 0; i < this.n; i += 2) {
      const s = this.buf[i]!;
      const e = this.buf[i + 1]!;
      any = Math.max(any, e - s);
      if (e - s > during && windows.some(([ws, we]) => s < we && e > ws)) during = e - s;
    }
    return { any, during };
  }
}

function configMap(i: number, gen: number): string {
  const head = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: NS, labels: { gen: String(gen) } }, data: { blob: '' } });
  return head.replace('"blob":""', `"blob":"${'x'.repeat(Math.max(0, BYTES - head.length))}"`);
}

// ---- the client process ----

async function client(job: ClientJob, windows: Promise<Span[]>, phase: (p: 'churning' | 'deleting' | 'idle' | 'done') => void): Promise<ClientFigures> {
  const tls = { ca: job.ca, cert: job.cert, key: job.key };
  const writers = new Agent({ ...tls, keepAlive: true, maxSockets: WRITERS });
  const prober = new Agent({ ...tls, keepAlive: true, maxSockets: 1 });
  const watchAgent = new Agent({ ...tls, keepAlive: false });
  const spans = new Spans();
  const probes = new Spans();
  let failures = 0;
  let healthzFailures = 0;
  const call = (agent: Agent, method: string, path: string, body?: string) => new Promise<number>((resolve) => {
    const start = now();
    const req = request(`${job.url}${path}`, { method, agent, headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        (agent === prober ? probes : spans).add(start, now());
        resolve(res.statusCode ?? 0);
      });
    });
    // A reset counts as a failed request (the issue saw 32 during a stall), status 0.
    req.on('error', () => {
      (agent === prober ? probes : spans).add(start, now());
      resolve(0);
    });
    req.end(body);
  });
  const path = (i?: number) => `/api/v1/namespaces/${NS}/configmaps${i === undefined ? '' : `/cm-${i}`}`;

  if ((await call(writers, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: NS } }))) !== 201) throw new Error(`namespace ${NS} not created`);
  let next = 0;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    for (let i = next++; i < OBJECTS; i = next++) {
      const code = await call(writers, 'POST', path(), configMap(i, 0));
      if (code !== 201) throw new Error(`create cm-${i}: ${code}`);
    }
  }));

  // The watch, as kubectl's: a list, then ?watch=1 from its resourceVersion; rewatch from the
  // last resourceVersion seen when the server ends it (a watcher that fell behind the cache).
  let watched = 0;
  let rewatches = -1;
  let watching = true;
  let current: ReturnType<typeof request> | undefined;
  const listRv = () => new Promise<string>((resolve, reject) => {
    request(`${job.url}/api/v1/configmaps`, { agent: watchAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion)));
    }).on('error', reject).end();
  });
  let rv = await listRv();
  let relists = 0;
  /** One watch until the server ends it; true when it answered 410 Gone (relist, as client-go's reflector). */
  const watchOnce = () => new Promise<boolean>((resolve) => {
    rewatches++;
    current = request(`${job.url}/api/v1/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, { agent: watchAgent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve(res.statusCode === 410);
        return;
      }
      let buf = '';
      let gone = false;
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: { code?: number; metadata?: { resourceVersion?: string } } };
          buf = buf.slice(nl + 1);
          if (ev.type === 'ERROR') gone ||= ev.object.code === 410;
          else {
            rv = ev.object.metadata?.resourceVersion ?? rv;
            if (ev.type !== 'BOOKMARK') watched++;
          }
        }
      });
      res.on('end', () => resolve(gone));
      res.on('error', () => resolve(gone));
    });
    current.on('error', () => resolve(false));
    current.end();
  });
  const watcher = (async () => {
    while (watching) {
      if ((await watchOnce()) && watching) {
        relists++;
        rv = await listRv();
      }
    }
  })();
  let probing = true;
  const prober$ = (async () => {
    while (probing) {
      if ((await call(prober, 'GET', '/healthz')) !== 200) healthzFailures++;
      await sleep(HEALTHZ_MS);
    }
  })();

  phase('churning');
  const started = now();
  const until = started + SECONDS * 1000;
  let writes = 0;
  next = 0;
  const writer = async () => {
    while (now() < until) {
      const i = next++ % OBJECTS;
      // Unconditional PUT (ConfigMaps allow it); one deleted by the recreator is created again.
      let code = await call(writers, 'PUT', path(i), configMap(i, writes));
      if (code === 404) code = await call(writers, 'POST', path(), configMap(i, writes));
      if (code === 200 || code === 201) writes++;
      else if (code !== 404 && code !== 409) failures++;
    }
  };
  const recreator = async () => {
    for (let round = 0; now() + RECREATE_MS < until; round++) {
      await sleep(RECREATE_MS);
      const tenth = Array.from({ length: Math.ceil(OBJECTS / 10) }, (_, j) => (round * 7 + j * 10) % OBJECTS);
      await Promise.all(tenth.map((i) => call(writers, 'DELETE', path(i))));
    }
  };
  await Promise.all([...Array.from({ length: WRITERS }, writer), recreator()]);
  const churnMs = now() - started;

  phase('deleting');
  next = 0;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    for (let i = next++; i < OBJECTS; i = next++) await call(writers, 'DELETE', path(i));
  }));
  // The watch reads everything: it is closed once it has seen the last deletion (the list's
  // revision after them), or after WATCH_CATCH_UP_S, which the summary then says.
  const last = Number(await listRv());
  const catchUpUntil = now() + WATCH_CATCH_UP_S * 1000;
  while (Number(rv) < last && now() < catchUpUntil) await sleep(50);
  const caughtUp = Number(rv) >= last;
  watching = false;
  current?.destroy();
  await watcher;
  phase('idle');
  await sleep(IDLE_S * 1000);
  probing = false;
  await prober$;
  writers.destroy();
  prober.destroy();
  watchAgent.destroy();
  phase('done');
  const w = await windows;
  const requests = spans.longest(w);
  const healthz = probes.longest(w);
  return {
    writes, churnMs, failures, watched, rewatches, relists, caughtUp,
    longestRequestMs: requests.any, longestRequestDuringCompactionMs: requests.during,
    longestHealthzMs: healthz.any, longestHealthzDuringCompactionMs: healthz.during, healthzFailures,
  };
}

if (process.argv.includes(CLIENT_FLAG)) {
  let gotWindows: (w: Span[]) => void = () => {};
  const windows = new Promise<Span[]>((resolve) => (gotWindows = resolve));
  const send = (m: FromClient, then: () => void = () => {}) => process.send!(m, then);
  process.on('message', (m: { job?: ClientJob; windows?: Span[] }) => {
    if (m.windows) gotWindows(m.windows);
    if (m.job) {
      client(m.job, windows, (p) => send({ phase: p })).then(
        (ok) => send({ ok }, () => process.exit(0)),
        (err: Error) => send({ err: err.stack ?? String(err) }, () => process.exit(1)));
    }
  });
}

// ---- the bench process: the server, its files and its memory ----

interface Outcome extends ClientFigures {
  compactions: number;
  longestCompactionMs: number;
  peakDbBytes: number;
  liveBytes: number;
  rssWatchingMb: number;
  rssIdleMb: number;
  etcdRssMb?: number;
}

const rssMb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

/** The SQLite files (db, WAL, shared memory) in the data dir. */
function sqliteBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.startsWith('state.db')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** etcd's own figure for its file (the peer's counterpart of db + WAL). */
async function etcdDbBytes(etcd: EtcdServer): Promise<number> {
  try {
    const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
    return Number(/^etcd_mvcc_db_total_size_in_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0; // etcd gone: the run fails on its own, with the client's error
  }
}

async function churn(etcd?: EtcdServer): Promise<Outcome> {
  const args = ['--etcd-compaction-interval', COMPACTION_INTERVAL, '--storage-compaction-bytes', COMPACTION_BYTES,
    ...(WATCH_CACHE_BYTES ? ['--watch-cache-size-bytes', WATCH_CACHE_BYTES] : []), ...(etcd ? ['--etcd-endpoints', etcd.endpoint] : [])];
  const server: RunningServer = await startServer(args);
  const windows: Span[] = [];
  let longestCompactionMs = 0;
  let log = '';
  server.proc.stderr!.on('data', (c: Buffer) => {
    const at = now();
    log += c.toString();
    let nl;
    while ((nl = log.indexOf('\n')) >= 0) {
      const line = log.slice(0, nl);
      log = log.slice(nl + 1);
      const m = /storage compacted to revision \d+ .*, (\d+) ms$/.exec(line);
      if (m) {
        windows.push([at - Number(m[1]), at]);
        longestCompactionMs = Math.max(longestCompactionMs, Number(m[1]));
      } else if (/fail/.test(line)) console.error(`server-churn: ${line}`);
    }
  });
  const kubeconfig = parse(readFileSync(server.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const job: ClientJob = {
    url: server.url, ca: b64(kubeconfig.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(kubeconfig.users[0]!.user['client-certificate-data']), key: b64(kubeconfig.users[0]!.user['client-key-data']),
  };
  const pid = server.proc.pid!;
  let phase = 'creating';
  let peakDbBytes = 0;
  let rssWatching = 0;
  let etcdRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakDbBytes = Math.max(peakDbBytes, etcd ? await etcdDbBytes(etcd) : sqliteBytes(server.dir));
      if (phase === 'churning') rssWatching = Math.max(rssWatching, rssMb(pid));
      if (etcd) etcdRss = Math.max(etcdRss, rssMb(etcd.pid));
      await sleep(250);
    }
  })();
  const child = fork(fileURLToPath(import.meta.url), [CLIENT_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const figures = await new Promise<ClientFigures>((resolve, reject) => {
      child.on('message', (m: FromClient) => {
        if ('phase' in m) {
          phase = m.phase;
          // What stays after everything is gone: the RSS sampled once the idle time has passed.
          if (m.phase === 'done') child.send({ windows });
        } else if ('ok' in m) resolve(m.ok);
        else reject(new Error(`server-churn client: ${m.err}`));
      });
      child.once('exit', (code) => reject(new Error(`server-churn client exited with ${code}`)));
      child.send({ job });
    });
    const rssIdleMb = rssMb(pid);
    sampling = false;
    await sampler;
    return {
      ...figures, compactions: windows.length, longestCompactionMs, peakDbBytes, liveBytes: OBJECTS * BYTES,
      rssWatchingMb: rssWatching, rssIdleMb, ...(etcd ? { etcdRssMb: etcdRss } : {}),
    };
  } finally {
    sampling = false;
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await server.stop();
    await removeDir(server.dir);
  }
}

function summary(name: string, o: Outcome): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  return `server-churn ${name}: ${o.writes} writes (${(o.writes / (o.churnMs / 1000)).toFixed(0)}/s, ${o.failures} failed), ${o.watched} events watched (${o.rewatches} rewatches, ${o.relists} relists after 410${o.caughtUp ? '' : `, NOT caught up ${WATCH_CATCH_UP_S} s after the last write`}), ` +
    `${o.compactions} compactions (longest ${o.longestCompactionMs} ms), peak db ${mb(o.peakDbBytes)} MB for ${mb(o.liveBytes)} MB live; ` +
    `longest request ${o.longestRequestMs.toFixed(1)} ms (${o.longestRequestDuringCompactionMs.toFixed(1)} ms during a compaction), ` +
    `longest /healthz ${o.longestHealthzMs.toFixed(1)} ms (${o.longestHealthzDuringCompactionMs.toFixed(1)} ms during a compaction, ${o.healthzFailures} failed); ` +
    `server RSS ${o.rssWatchingMb.toFixed(0)} MB watching, ${o.rssIdleMb.toFixed(0)} MB deleted and idle` +
    (o.etcdRssMb === undefined ? '' : `; etcd RSS ${o.etcdRssMb.toFixed(0)} MB`);
}

export async function run(): Promise<void> {
  console.log(`server-churn: skiff server, ${OBJECTS} ConfigMaps of ${BYTES} bytes, ${WRITERS} HTTPS writers for ${SECONDS} s, a tenth recreated every ` +
    `${RECREATE_MS / 1000} s, one watch, /healthz every ${HEALTHZ_MS} ms, --etcd-compaction-interval ${COMPACTION_INTERVAL} ` +
    `--storage-compaction-bytes ${COMPACTION_BYTES}${WATCH_CACHE_BYTES ? ` --watch-cache-size-bytes ${WATCH_CACHE_BYTES}` : ''}, then all deleted and ${IDLE_S} s idle`);
  const ours = BACKENDS.includes('sqlite') ? await churn() : undefined;
  if (ours) console.log(summary('sqlite', ours));
  let peer: Outcome | undefined;
  if (BACKENDS.includes('etcd')) {
    const etcd = await startEtcd();
    try {
      peer = await churn(etcd);
    } finally {
      await etcd.stop();
    }
    console.log(summary('etcd', peer));
  }
  if (!ours || !peer) return;
  const peerName = 'the same skiff server on etcd 3.4.23 (--etcd-endpoints); RSS: the server process';
  const line = (name: string, unit: string, a: number, b: number, better: 'lower' | 'higher' = 'lower') =>
    bench({ name: `server-churn.${name}`, unit, ours: a, peer: b, peer_name: peerName, better });
  line('writes_per_s', 'ops/s', ours.writes / (ours.churnMs / 1000), peer.writes / (peer.churnMs / 1000), 'higher');
  line('peak_db_over_live', 'x', ours.peakDbBytes / ours.liveBytes, peer.peakDbBytes / peer.liveBytes);
  line('longest_healthz', 'ms', ours.longestHealthzMs, peer.longestHealthzMs);
  line('longest_healthz_during_compaction', 'ms', ours.longestHealthzDuringCompactionMs, peer.longestHealthzDuringCompactionMs);
  line('longest_request', 'ms', ours.longestRequestMs, peer.longestRequestMs);
  line('longest_request_during_compaction', 'ms', ours.longestRequestDuringCompactionMs, peer.longestRequestDuringCompactionMs);
  line('rss_watching', 'MB', ours.rssWatchingMb, peer.rssWatchingMb);
  line('rss_deleted_idle', 'MB', ours.rssIdleMb, peer.rssIdleMb);
}
