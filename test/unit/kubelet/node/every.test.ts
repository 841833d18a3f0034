import test from 'ava';
import { ManualTimers } from '../../../../src/client/timers.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { every } from '../../../../src/kubelet/node/every.js';

const flush = () => new Promise((r) => setImmediate(r));

test('runs now, then every interval; failures retry sooner, doubling up to the cap, and success resets it', async (t) => {
  const clock = new FakeClock(0);
  const timers = new ManualTimers(clock);
  const runs: number[] = [];
  let failing = 0;
  const errors: string[] = [];
  const p = every(timers, 10_000, async () => {
    runs.push(clock.monotonic());
    if (failing > 0) { failing--; throw new Error('no'); }
  }, (e) => errors.push((e as Error).message), { initialMs: 200, maxMs: 500 });
  await flush();
  t.deepEqual(timers.pendingDelays(), [10_000]);
  failing = 4;
  for (const step of [10_000, 200, 400, 500, 500]) {
    timers.advance(step);
    await flush();
  }
  t.deepEqual(runs, [0, 10_000, 10_200, 10_600, 11_100, 11_600]);
  t.is(errors.length, 4);
  t.deepEqual(timers.pendingDelays(), [10_000], 'after a success: the interval again');
  await p.stop();
  t.deepEqual(timers.pendingDelays(), []);
});

test('a kick during a run runs once more right after it; nothing runs after stop', async (t) => {
  const timers = new ManualTimers(new FakeClock(0));
  let release!: () => void;
  let count = 0;
  const p = every(timers, 1000, () => { count++; return new Promise<void>((r) => { release = r; }); }, () => {});
  p.kick();
  p.kick();
  t.is(count, 1);
  release();
  await flush();
  t.is(count, 2);
  const stopping = p.stop();
  release();
  await stopping;
  timers.advance(5000);
  t.is(count, 2);
});
