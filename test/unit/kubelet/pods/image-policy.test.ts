import test from 'ava';
import { effectivePullPolicy, pullDecision } from '../../../../src/kubelet/pods/image-policy.js';

test('pull policy defaults as the API does: Always for :latest or no tag, IfNotPresent for a tag or digest', (t) => {
  t.is(effectivePullPolicy('busybox'), 'Always');
  t.is(effectivePullPolicy('busybox:latest'), 'Always');
  t.is(effectivePullPolicy('localhost:5000/busybox'), 'Always');
  t.is(effectivePullPolicy('localhost:5000/busybox:1.36'), 'IfNotPresent');
  t.is(effectivePullPolicy('busybox@sha256:0123'), 'IfNotPresent');
  t.is(effectivePullPolicy('busybox', 'Never'), 'Never');
});

test('pull decisions: Always pulls, IfNotPresent only when absent, Never fails with upstream\'s message when absent', (t) => {
  t.deepEqual(pullDecision('b', 'Always', true), { pull: true });
  t.deepEqual(pullDecision('b', 'IfNotPresent', true), { pull: false });
  t.deepEqual(pullDecision('b', 'IfNotPresent', false), { pull: true });
  t.deepEqual(pullDecision('b', 'Never', true), { pull: false });
  t.deepEqual(pullDecision('b:1', 'Never', false), { pull: false, error: { reason: 'ErrImageNeverPull', message: 'Container image "b:1" is not present with pull policy of Never' } });
});
