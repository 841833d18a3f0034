import test from 'ava';
import type { Event } from '../../../src/api/types.js';
import { CORRELATION, EventCorrelator } from '../../../src/client/event-correlator.js';

let n = 0;
const event = (reason: string, message: string, name = 'web'): Event => ({
  metadata: { name: `${name}.${(n++).toString(16)}`, namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` },
  reason, message, type: 'Warning', count: 1, firstTimestamp: `t${n}`, lastTimestamp: `t${n}`,
  source: { component: 'kubelet', host: 'n1' },
});

test('a repeat of the same event patches the first one with a growing count and the first timestamp', (t) => {
  const c = new EventCorrelator();
  const first = c.correlate(event('BackOff', 'Back-off restarting failed container'), 0);
  t.is(first.action, 'create');
  const again = c.correlate(event('BackOff', 'Back-off restarting failed container'), 1000);
  if (again.action !== 'patch' || first.action !== 'create') return t.fail();
  t.is(again.name, first.event.metadata.name!);
  t.is(again.event.count, 2);
  t.is(again.event.firstTimestamp, first.event.firstTimestamp);
  t.not(again.event.lastTimestamp, first.event.lastTimestamp);
  t.is(c.correlate(event('BackOff', 'Back-off restarting failed container', 'other'), 1000).action, 'create');
});

test('past ten distinct messages for one object and reason, they combine into one series', (t) => {
  const c = new EventCorrelator();
  for (let i = 0; i < CORRELATION.maxSimilar - 1; i++) t.is(c.correlate(event('Failed', `message ${i}`), i).action, 'create');
  const tenth = c.correlate(event('Failed', 'message 9'), 10);
  const eleventh = c.correlate(event('Failed', 'message 10'), 11);
  if (tenth.action !== 'create' || eleventh.action !== 'patch') return t.fail(`${tenth.action} ${eleventh.action}`);
  t.is(tenth.event.message, '(combined from similar events): message 9');
  t.is(eleventh.name, tenth.event.metadata.name!);
  t.is(eleventh.event.message, '(combined from similar events): message 10');
  t.is(eleventh.event.count, 2);
  // Past the interval the similar-message count starts over.
  const later = c.correlate(event('Failed', 'fresh'), 11 + CORRELATION.similarIntervalMs + 1);
  t.true(later.action === 'create' && later.event.message === 'fresh');
});

test('the spam filter lets a burst of 25 through per object and reason, then one per 5 minutes', (t) => {
  const c = new EventCorrelator();
  const actions = Array.from({ length: CORRELATION.spamBurst + 5 }, (_, i) => c.correlate(event('Unhealthy', `probe ${i % 3}`), 0).action);
  t.is(actions.filter((a) => a === 'drop').length, 5);
  t.is(c.correlate(event('Unhealthy', 'probe 0'), CORRELATION.spamRefillMs - 1).action, 'drop');
  t.not(c.correlate(event('Unhealthy', 'probe 0'), CORRELATION.spamRefillMs).action, 'drop');
  t.is(c.correlate(event('Unhealthy', 'probe 0'), CORRELATION.spamRefillMs).action, 'drop');
  // Another reason on the same object has its own bucket.
  t.is(c.correlate(event('Killing', 'Stopping container'), 0).action, 'create');
});

test('a write that failed is forgotten: the next repeat creates the event anew', (t) => {
  const c = new EventCorrelator();
  const first = c.correlate(event('Pulled', 'ok'), 0);
  if (first.action === 'drop') return t.fail();
  c.forget(first);
  t.is(c.correlate(event('Pulled', 'ok'), 1).action, 'create');
});
