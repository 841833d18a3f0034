import test from 'ava';
import { FakeClock } from '../../../../src/host/clock.js';
import { Backoff, goDuration } from '../../../../src/kubelet/pods/backoff.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

test('backoff: 10 s doubling to 5 min, counted from the exit; forgotten after 10 quiet minutes', (t) => {
  const clock = new FakeClock(T0);
  const b = new Backoff(clock);
  t.is(b.remainingSince('k', clock.now()), 0, 'the first restart is immediate');
  b.next('k', clock.now());
  t.is(b.delayOf('k'), 10_000);
  clock.advance(4000);
  t.is(b.remainingSince('k', clock.now() - 1000), 9000);
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) { b.next('k', clock.now()); delays.push(b.delayOf('k')); }
  t.deepEqual(delays, [20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  t.deepEqual([10_000, 20_000, 80_000, 300_000].map(goDuration), ['10s', '20s', '1m20s', '5m0s']);
  clock.advance(10 * 60_000 + 1);
  t.is(b.remainingSince('k', clock.now()), 0);
  b.next('k', clock.now());
  t.is(b.delayOf('k'), 10_000, 'a run of more than 10 min starts the backoff over');
});
