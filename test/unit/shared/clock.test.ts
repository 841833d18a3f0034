import test from 'ava';
import { FakeClock, systemClock } from '../../../src/host/clock.js';

test('the fake clock moves only when advanced, in ms and ns alike', (t) => {
  const clock = new FakeClock(1_000);
  t.is(clock.now(), 1_000);
  clock.advance(250);
  t.is(clock.now(), 1_250);
  t.is(clock.nowNanos(), 1_250_000_000n);
  t.is(clock.monotonic(), 250);
});

test('the system clock reads the wall clock', (t) => {
  const before = Date.now();
  const now = systemClock.now();
  t.true(now >= before && now <= Date.now());
  t.is(systemClock.nowNanos() / 1_000_000n >= BigInt(before), true);
});
