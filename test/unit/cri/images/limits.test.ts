import test from 'ava';
import { FakeClock } from '../../../../src/host/clock.js';
import { PullProgress, PullStalled } from '../../../../src/cri/images/limits.js';

// The interval only decides when PullProgress looks (every 10 ms for a 20 ms timeout);
// whether a pull stalled is the clock's to say. So these tests move a FakeClock: real time
// passing shows no stall (a slow machine can only make that check see fewer looks, never
// fail it), and a stall they expect is awaited, not timed.
const severalLooks = () => new Promise((resolve) => setTimeout(resolve, 60));

function watch(clock: FakeClock) {
  let stalled: PullStalled | undefined;
  let resolveStall: (err: PullStalled) => void = () => undefined;
  const stall = new Promise<PullStalled>((resolve) => (resolveStall = resolve));
  const progress = new PullProgress(20, (err) => {
    stalled = err;
    resolveStall(err);
  }, clock);
  return { progress, stall, stalled: () => stalled };
}

test('progress: a pull stalls when its clock passes the timeout with a request open and no byte', async (t) => {
  const clock = new FakeClock();
  const { progress, stall, stalled } = watch(clock);
  t.teardown(() => progress.stop());
  progress.begin();
  await severalLooks();
  t.is(stalled(), undefined, 'real time passing is not the clock passing');
  clock.advance(15);
  progress.received(1);
  clock.advance(15);
  await severalLooks();
  t.is(stalled(), undefined, 'a byte within the timeout keeps it alive');
  clock.advance(10);
  // PullProgress's timer does not hold the process open; this one does while we wait.
  const alive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(alive));
  t.is((await stall).timeoutMs, 20);
});

test('progress: time with no request open is not a stall', async (t) => {
  const clock = new FakeClock();
  const { progress, stalled } = watch(clock);
  t.teardown(() => progress.stop());
  progress.begin()();
  clock.advance(1000);
  await severalLooks();
  t.is(stalled(), undefined);
});
