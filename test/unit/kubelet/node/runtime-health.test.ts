import test from 'ava';
import { afterStatus, aggregateMessage, initialHealth, readinessErrors, RUNTIME_DOWN_AFTER_MS } from '../../../../src/kubelet/node/runtime-health.js';

const ready = [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }];

test('before any Status: upstream\'s two errors', (t) => {
  t.deepEqual(readinessErrors(initialHealth, 0), ['container runtime status check may not have completed yet', 'network state unknown']);
});

test('a ready runtime leaves no error until it has not been seen ready for 30 s', (t) => {
  const h = afterStatus(initialHealth, ready, 1000);
  t.deepEqual(readinessErrors(h, 1000), []);
  t.deepEqual(readinessErrors(h, 1000 + RUNTIME_DOWN_AFTER_MS - 1), []);
  t.deepEqual(readinessErrors(h, 1000 + RUNTIME_DOWN_AFTER_MS), ['container runtime is down']);
});

test('conditions that are false are quoted as Go prints a RuntimeCondition; a missing one as <nil>', (t) => {
  const h = afterStatus(initialHealth, [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' }], 5);
  t.deepEqual(readinessErrors(h, 5), ['container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized']);
  const down = afterStatus(h, [], 6);
  t.deepEqual(readinessErrors(down, 6), ['container runtime not ready: <nil>', 'container runtime network not ready: <nil>']);
  t.deepEqual(readinessErrors(afterStatus(down, ready, 7), 7), [], 'recovers');
});

test('the aggregate message: one error as is, several in brackets, duplicates once', (t) => {
  t.is(aggregateMessage(['a']), 'a');
  t.is(aggregateMessage(['a', 'b', 'a']), '[a, b]');
});
