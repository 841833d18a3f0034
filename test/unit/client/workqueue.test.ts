import test from 'ava';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialRateLimiter } from '../../../src/client/rate-limiters.js';
import { runWorker, WorkQueue } from '../../../src/client/workqueue.js';
import { ManualTimers } from '../../../src/client/timers.js';
import { FakeClock } from '../../../src/host/clock.js';

const queue = () => {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  return { q: new WorkQueue({ clock, timers }), timers };
};

test('a key queued twice is handed out once, in order of first add', async (t) => {
  const { q } = queue();
  q.add('a');
  q.add('b');
  q.add('a');
  t.is(q.len(), 2);
  t.is(await q.get(), 'a');
  t.is(await q.get(), 'b');
  t.is(q.len(), 0);
});

test('a key is processed by one worker at a time; re-added while processing, it is queued again by done()', async (t) => {
  const { q } = queue();
  q.add('a');
  t.is(await q.get(), 'a');
  q.add('a');
  q.add('a');
  t.is(q.len(), 0); // not handed to a second worker while the first holds it
  const second = q.get();
  q.add('b');
  t.is(await second, 'b');
  q.done('a');
  t.is(q.len(), 1);
  t.is(await q.get(), 'a'); // once, although added twice
  q.done('a');
  q.done('b');
  t.is(q.len(), 0);
});

test('a waiting worker gets the next key as soon as it is added', async (t) => {
  const { q } = queue();
  const waiting = q.get();
  q.add('x');
  t.is(await waiting, 'x');
});

test('the default item limiter: 5 ms doubling to 1000 s; forget starts over', (t) => {
  const r = new ItemExponentialRateLimiter();
  const delays = Array.from({ length: 20 }, () => r.when('k'));
  t.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
  t.is(delays[17], 5 * 2 ** 17);
  t.is(delays[18], 1_000_000); // 5·2^18 ms would exceed 1000 s
  t.is(r.numRequeues('k'), 20);
  t.is(r.when('other'), 5); // per key
  r.forget('k');
  t.is(r.when('k'), 5);
});

test('the bucket: 100 at once, then one every 100 ms (10 qps), refilling with time on the clock', (t) => {
  const clock = new FakeClock();
  const b = new BucketRateLimiter(clock, 10, 100);
  const burst = Array.from({ length: 100 }, () => b.when());
  t.true(burst.every((d) => d === 0));
  t.is(b.when(), 100);
  t.is(b.when(), 200);
  clock.advance(1000); // 10 tokens back; 2 were owed
  t.is(b.when(), 0);
  t.is(Math.round(Array.from({ length: 7 }, () => b.when()).at(-1) ?? -1), 0);
  t.is(Math.round(b.when()), 100);
});

test('the default controller limiter: the larger of the per-key backoff and the shared bucket', (t) => {
  const clock = new FakeClock();
  const r = defaultControllerRateLimiter(clock);
  t.is(r.when('a'), 5);
  t.is(r.when('a'), 10);
  for (let i = 0; i < 98; i++) r.when(`k${i}`); // the bucket is empty now
  t.is(r.when('fresh'), 100); // per key it would be 5 ms; the bucket says 100
  r.forget('a');
  t.is(r.numRequeues('a'), 0);
});

test('addRateLimited waits its backoff on the timers; addAfter keeps the earlier of two due times', async (t) => {
  const { q, timers } = queue();
  q.addRateLimited('k');
  q.addRateLimited('k'); // second failure: 10 ms, but 5 ms is already pending
  t.deepEqual(timers.pendingDelays(), [5]);
  t.is(q.numRequeues('k'), 2);
  timers.advance(4);
  t.is(q.len(), 0);
  timers.advance(1);
  t.is(q.len(), 1);
  t.is(await q.get(), 'k');
  q.done('k');
  q.addAfter('late', 100);
  q.addAfter('late', 30);
  t.deepEqual(timers.pendingDelays(), [30]);
  timers.advance(30);
  t.is(await q.get(), 'late');
  q.done('late');
  q.addAfter('now', 0);
  t.is(q.len(), 1);
  q.forget('k');
  t.is(q.numRequeues('k'), 0);
});

test('shutdown: no new keys, pending addAfter cancelled, queued keys still handed out, then undefined; drain waits for done', async (t) => {
  const { q, timers } = queue();
  q.add('a');
  q.add('b');
  q.addAfter('c', 50);
  t.is(await q.get(), 'a');
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => { drained = true; });
  t.true(q.shuttingDown);
  t.deepEqual(timers.pendingDelays(), []);
  q.add('d');
  t.is(await q.get(), 'b');
  t.is(await q.get(), undefined);
  q.done('b');
  await Promise.resolve();
  t.false(drained); // 'a' is still processing
  q.done('a');
  await drain;
  t.true(drained);
});

test('runWorker: a failing key is retried with backoff until it succeeds, then forgotten; one worker per key', async (t) => {
  const { q, timers } = queue();
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  let failuresLeft = 2;
  const reconcile = async (key: string) => {
    active++;
    maxActive = Math.max(maxActive, active);
    calls.push(key);
    await new Promise((r) => setImmediate(r));
    active--;
    if (key === 'flaky' && failuresLeft-- > 0) throw new Error('not yet');
  };
  const errors: string[] = [];
  const workers = [runWorker(q, reconcile, (k) => errors.push(k)), runWorker(q, reconcile, (k) => errors.push(k))];
  q.add('flaky');
  await until(() => calls.length === 1);
  q.add('flaky'); // while the first run is in flight: it runs again after, never beside it
  // Run 1 fails (retry in 5 ms); the re-add runs it again at once and fails (10 ms, but the
  // 5 ms wait is earlier and stays); run 3, 5 ms later, succeeds.
  await until(() => calls.length === 2 && errors.length === 2);
  t.deepEqual(timers.pendingDelays(), [5]);
  timers.advance(5);
  await until(() => calls.length === 3);
  await until(() => q.numRequeues('flaky') === 0);
  t.deepEqual(calls, ['flaky', 'flaky', 'flaky']);
  t.deepEqual(errors, ['flaky', 'flaky']);
  t.is(maxActive, 1);
  await q.shutDownWithDrain();
  await Promise.all(workers);
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}
