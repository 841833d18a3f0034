// A watch client that stops reading must not make the apiserver buffer its events without
// bound, slow other watchers, or block writes: the server stops writing to it when the
// response's buffers are full, its cursor falls out of the watch cache, and once it reads
// again it gets what was already buffered and then the end of the stream (no ERROR event:
// upstream's cacher closes the result channel of a watcher it terminates).
import test from 'ava';
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { RING_CAPACITY } from '../../../src/apiserver/storage/cacher.js';
import { startFixture, testPki } from './fixture.js';

/** Bytes of data per ConfigMap: large enough that the client's unread bytes fill the socket buffers. */
const PAYLOAD = 2048;
/**
 * Events written after the slow client stops reading: the whole watch cache plus far more
 * than loopback TCP and TLS can hold in flight (send buffer at most net.core.wmem_max, 4 MiB
 * here, a paused receiver's window stays small).
 */
const TOTAL = RING_CAPACITY + 6000;
/** Creates per round; the fast watcher must have seen a round before the next one starts. */
const ROUND = 250;
const IN_FLIGHT = 16;

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { blob: name.padEnd(PAYLOAD, 'x') } });

interface SlowClient {
  /** Resumes reading; resolves with what arrived until the stream ended, or until `last` arrived without an end. */
  drain(last: string): Promise<{ bytes: number; events: any[]; ended: boolean }>;
}

/** Opens a watch and does not read its body: the client's socket stops reading once its small buffer is full. */
function slowWatch(t: import('ava').ExecutionContext, url: string): Promise<SlowClient> {
  const p = testPki();
  const agent = new Agent({ ca: p.ca.cert, cert: p.admin.cert, key: p.admin.key });
  t.teardown(() => agent.destroy());
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      resolve({
        drain: (last) => new Promise((done) => {
          let bytes = 0;
          let buf = '';
          const events: any[] = [];
          const finish = (ended: boolean) => {
            res.removeAllListeners('data');
            done({ bytes, events, ended });
          };
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            buf += chunk.toString('utf8');
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const ev = JSON.parse(buf.slice(0, i));
              buf = buf.slice(i + 1);
              events.push(ev);
              // Everything arrived: the server buffered it all or never dropped this watcher.
              if (ev.object?.metadata?.name === last) return finish(false);
            }
          });
          res.on('end', () => finish(true));
          res.on('error', () => finish(false));
        }),
      });
    });
    req.on('error', reject);
    t.teardown(() => req.destroy());
    req.end();
  });
}

test('a watch client that stops reading is dropped with bounded buffering; a fast watcher and writes go on', async (t) => {
  // Listeners piling up on a response (one per wait for 'drain') are memory that grows with
  // the life of a watch; Node reports more than ten on one emitter as this warning.
  const leaks: string[] = [];
  const onWarning = (w: Error) => { if (w.name === 'MaxListenersExceededWarning') leaks.push(w.message); };
  process.on('warning', onWarning);
  t.teardown(() => { process.off('warning', onWarning); });
  const f = await startFixture(t);
  const base = '/api/v1/namespaces/default/configmaps';
  const first = await f.call('POST', base, cm('bp-first'));
  t.is(first.status, 201);
  const rv = first.json.metadata.resourceVersion;
  const fast = f.watch(`${base}?watch=1&resourceVersion=${rv}`);
  const slow = await slowWatch(t, `${f.server.url}${base}?watch=1&resourceVersion=${rv}`);

  const names = Array.from({ length: TOTAL }, (_, i) => `bp-${String(i).padStart(6, '0')}`);
  const created: string[] = [];
  for (let round = 0; round < TOTAL; round += ROUND) {
    const batch = names.slice(round, round + ROUND);
    for (let i = 0; i < batch.length; i += IN_FLIGHT) {
      const replies = await Promise.all(batch.slice(i, i + IN_FLIGHT).map((n) => f.call('POST', base, cm(n))));
      for (const r of replies) {
        if (r.status !== 201) return t.fail(`create answered ${r.status}: ${r.text}`);
        created.push(r.json.metadata.resourceVersion);
      }
    }
    // Paces the writer to the fast watcher, so only the slow one can fall out of the cache.
    await fast.next(round + batch.length);
  }

  const seen = await fast.next(TOTAL);
  t.true(seen.every((e) => e.type === 'ADDED'), 'the fast watcher sees only the creates');
  const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion));
  t.true(rvs.every((v, i) => i === 0 || v > rvs[i - 1]!), 'the fast watcher sees them in resourceVersion order');
  t.deepEqual([...rvs].sort((a, b) => a - b), created.map(Number).sort((a, b) => a - b), 'the fast watcher sees every create once');

  const got = await slow.drain(names[TOTAL - 1]!);
  t.true(got.ended, 'the slow watcher is ended once it falls out of the watch cache');
  t.false(got.events.some((e) => e.type === 'ERROR'), 'it ends without an ERROR event, as upstream closes the stream');
  // What it got is an unbroken prefix of the sequence: nothing skipped, nothing reordered.
  const prefix = seen.slice(0, got.events.length).map((e) => e.object.metadata.name);
  t.deepEqual(got.events.map((e) => e.object.metadata.name), prefix);
  // What the server held for it is bounded by the socket buffers, not by what was written.
  const written = seen.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
  t.true(got.bytes < written / 4, `the slow client got ${got.bytes} of ${written} bytes`);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  t.deepEqual(leaks, [], 'waiting for drain leaves no listeners behind');
  t.log(`slow watcher: ${got.events.length} events, ${got.bytes} bytes before the end; written ${TOTAL} events, ${written} bytes`);
});
