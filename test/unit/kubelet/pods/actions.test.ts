import test from 'ava';
import { computePodActions } from '../../../../src/kubelet/pods/actions.js';
import { containerHash } from '../../../../src/kubelet/pods/labels.js';
import { ctr, pod, rt, sandbox } from './runtime-fixtures.js';

test('actions: no sandbox → create one (attempt 0) and start every container; init containers first, one at a time', (t) => {
  const a = computePodActions(pod(), rt([], []));
  t.true(a.createSandbox);
  t.is(a.attempt, 0);
  t.deepEqual(a.containersToStart.map((c) => c.name), ['app']);
  const withInit = pod({ initContainers: [{ name: 'i1', image: 'b' }, { name: 'i2', image: 'b' }] });
  t.is(computePodActions(withInit, rt([], [])).initToStart?.name, 'i1');
  t.is(computePodActions(withInit, rt([sandbox()], [ctr('i1', { state: 'EXITED' })])).initToStart?.name, 'i2');
  const waitingOnInit = computePodActions(withInit, rt([sandbox()], [ctr('i1')]));
  t.is(waitingOnInit.initToStart, undefined);
  t.deepEqual(waitingOnInit.containersToStart, []);
  t.deepEqual(computePodActions(withInit, rt([sandbox()], [ctr('i1', { state: 'EXITED' }), ctr('i2', { state: 'EXITED' })])).containersToStart.map((c) => c.name), ['app']);
});

test('actions: running containers with the same hash are adopted, a changed spec is restarted', (t) => {
  const p = pod();
  const c = p.spec!.containers[0]!;
  const same = computePodActions(p, rt([sandbox()], [ctr('app', { hash: containerHash(c) })]));
  t.deepEqual([same.killPod, same.createSandbox, same.containersToStart.length, same.containersToKill.length], [false, false, 0, 0]);
  const changed = computePodActions(p, rt([sandbox()], [ctr('app', { id: 'old', hash: 'deadbeef' })]));
  t.deepEqual(changed.containersToKill.map((k) => k.id), ['old']);
  t.deepEqual(changed.containersToStart.map((x) => x.name), ['app']);
});

test('actions: restart policies decide restarts; a finished pod only stops its sandbox; a dead sandbox is made again with the next attempt', (t) => {
  const exited = (code: number) => rt([sandbox()], [ctr('app', { state: 'EXITED', exitCode: code })]);
  t.deepEqual(computePodActions(pod(), exited(0)).containersToStart.map((c) => c.name), ['app']);
  t.true(computePodActions(pod({ restartPolicy: 'OnFailure' }), exited(0)).killPod);
  t.deepEqual(computePodActions(pod({ restartPolicy: 'OnFailure' }), exited(1)).containersToStart.map((c) => c.name), ['app']);
  const never = computePodActions(pod({ restartPolicy: 'Never' }), exited(1));
  t.true(never.killPod);
  t.deepEqual(never.containersToStart, []);
  const dead = computePodActions(pod(), rt([sandbox({ ready: false, attempt: 1 })], [ctr('app', { state: 'EXITED' })]));
  t.true(dead.createSandbox);
  t.is(dead.attempt, 2);
  const neverDead = computePodActions(pod({ restartPolicy: 'Never' }), rt([sandbox({ ready: false })], [ctr('app', { state: 'EXITED' })]));
  t.false(neverDead.createSandbox, 'a Never pod that ran is not run again in a new sandbox');
});

test('sidecars (restartable init containers): started in order, the next init container once the sidecar runs, then kept running beside the app', (t) => {
  const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'side', image: 'b', restartPolicy: 'Always' }, { name: 'setup', image: 'b' }] });
  t.is(computePodActions(p, rt([sandbox()], [])).initToStart?.name, 'side');
  t.is(computePodActions(p, rt([sandbox()], [ctr('side')])).initToStart?.name, 'setup');
  const app = computePodActions(p, rt([sandbox()], [ctr('side'), ctr('setup', { state: 'EXITED' })]));
  t.deepEqual(app.containersToStart.map((c) => c.name), ['app']);
  const sideDied = computePodActions(p, rt([sandbox()], [ctr('side', { state: 'EXITED', exitCode: 1 }), ctr('setup', { state: 'EXITED' }), ctr('app')]));
  t.deepEqual(sideDied.containersToStart.map((c) => c.name), ['side'], 'a sidecar restarts even under restartPolicy Never');
  t.is(sideDied.initToStart, undefined);
  const appDone = computePodActions(p, rt([sandbox()], [ctr('side'), ctr('setup', { state: 'EXITED' }), ctr('app', { state: 'EXITED' })]));
  t.true(appDone.killPod, 'the app has finished: the sidecar is stopped with the sandbox');
  t.deepEqual(appDone.containersToStart, []);
});
