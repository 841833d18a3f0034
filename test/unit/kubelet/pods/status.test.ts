import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import type { PodRuntime } from '../../../../src/kubelet/pods/runtime-view.js';
import { generatePodStatus, type WaitingReason } from '../../../../src/kubelet/pods/status.js';
import { T0, ctr, iso, pod, rt, sandbox } from './runtime-fixtures.js';

const status = (p: Pod, r: PodRuntime, waiting: Map<string, WaitingReason> = new Map(), nowMs = T0 + 5000, terminal = false) =>
  generatePodStatus({ pod: p, runtime: r, waiting, runtimeName: 'skiff', nodeIp: '192.0.2.10', nowMs, terminal });
const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((c) => c.type === type);

test('a running pod: Running, every condition True in upstream\'s order, IPs, start time, QoS, a ready container with its ids', (t) => {
  const s = status(pod(), rt([sandbox()], [ctr('app', { id: 'abc' })]));
  t.is(s.phase, 'Running');
  t.deepEqual(s.conditions?.map((c) => [c.type, c.status]), [['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
  t.true(s.conditions?.every((c) => c.lastTransitionTime === iso(T0 + 5000)));
  t.is(s.podIP, '10.244.0.5');
  t.deepEqual(s.podIPs, [{ ip: '10.244.0.5' }]);
  t.is(s.hostIP, '192.0.2.10');
  t.deepEqual(s.hostIPs, [{ ip: '192.0.2.10' }]);
  t.is(s.startTime, iso(T0 + 5000));
  t.is(s.qosClass, 'BestEffort');
  t.deepEqual(s.containerStatuses, [{
    name: 'app', image: 'docker.io/library/busybox:1', imageID: 'docker.io/library/busybox@sha256:aa', containerID: 'skiff://abc', ready: true, started: true, restartCount: 0,
    state: { running: { startedAt: iso(T0 + 1000) } },
  }]);
});

test('before anything runs: Pending, containers ContainerCreating, PodReadyToStartContainers False, not ready', (t) => {
  const s = status(pod(), rt([], []));
  t.is(s.phase, 'Pending');
  t.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
  t.is(cond(s, 'PodReadyToStartContainers')?.status, 'False');
  t.deepEqual(cond(s, 'Ready'), { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: iso(T0 + 5000) });
  t.is(s.podIP, undefined);
});

test('transition times are kept while a condition\'s status stays, and move when it changes; startTime is kept', (t) => {
  const first = status(pod(), rt([], []), new Map(), T0);
  const later = status(pod({}, first), rt([sandbox()], [ctr('app')]), new Map(), T0 + 60_000);
  t.is(later.startTime, iso(T0));
  t.is(cond(later, 'PodScheduled')?.lastTransitionTime, iso(T0));
  t.is(cond(later, 'Ready')?.lastTransitionTime, iso(T0 + 60_000));
});

test('restartPolicy Never: a container that exited 1 makes the pod Failed, with exit code, reason and container id', (t) => {
  const r = rt([sandbox({ ready: false, ips: [] })], [ctr('app', { id: 'dead', state: 'EXITED', exitCode: 1, reason: 'Error', finishedAtMs: T0 + 2000 })]);
  const s = status(pod({ restartPolicy: 'Never' }, { podIPs: [{ ip: '10.244.0.5' }], podIP: '10.244.0.5' }), r);
  t.is(s.phase, 'Failed');
  t.deepEqual(s.containerStatuses?.[0]?.state, { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0 + 1000), finishedAt: iso(T0 + 2000), containerID: 'skiff://dead' } });
  t.is(s.podIP, '10.244.0.5', 'the IP outlives the stopped sandbox');
});

test('exits 0 under Never or OnFailure: Succeeded with PodCompleted conditions; under Always it stays Running', (t) => {
  const r = rt([sandbox()], [ctr('app', { state: 'EXITED', exitCode: 0, reason: 'Completed', finishedAtMs: T0 + 2000 })]);
  for (const policy of ['Never', 'OnFailure'] as const) {
    const s = status(pod({ restartPolicy: policy }), r);
    t.is(s.phase, 'Succeeded');
    t.is(cond(s, 'Ready')?.reason, 'PodCompleted');
    t.is(cond(s, 'Initialized')?.reason, 'PodCompleted');
  }
  t.is(status(pod(), r).phase, 'Running');
  t.is(status(pod({ restartPolicy: 'OnFailure' }), rt([sandbox()], [ctr('app', { state: 'EXITED', exitCode: 2 })])).phase, 'Running');
});

test('a terminal phase is never left', (t) => {
  const s = status(pod({}, { phase: 'Failed' }), rt([sandbox()], [ctr('app')]));
  t.is(s.phase, 'Failed');
});

test('deleted and stopped: Succeeded when all exited 0, else Failed, whatever the restart policy', (t) => {
  const stopped = (code: number) => rt([sandbox({ ready: false })], [ctr('app', { state: 'EXITED', exitCode: code })]);
  t.is(status(pod(), stopped(0), new Map(), T0, true).phase, 'Succeeded');
  t.is(status(pod(), stopped(137), new Map(), T0, true).phase, 'Failed');
});

test('CrashLoopBackOff: waiting with the message, the last exit as lastState, restartCount of the newest run', (t) => {
  const newest = ctr('app', { restartCount: 2, state: 'EXITED', exitCode: 3, reason: 'Error', finishedAtMs: T0 + 3000, createdAtMs: T0 + 2000 });
  const older = ctr('app', { restartCount: 1, state: 'EXITED', exitCode: 3, reason: 'Error', finishedAtMs: T0 + 1500, createdAtMs: T0 + 1000 });
  const waiting = new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_shop(u-1)' }]]);
  const s = status(pod(), rt([sandbox()], [newest, older]), waiting);
  const cs = s.containerStatuses![0]!;
  t.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_shop(u-1)' } });
  t.is(cs.lastState?.terminated?.exitCode, 3);
  t.is(cs.lastState?.terminated?.containerID, `skiff://${newest.id}`);
  t.is(cs.restartCount, 2);
  t.is(s.phase, 'Running');
});

test('a running container after a crash keeps the previous exit as lastState; OOMKilled is reported as the runtime says', (t) => {
  const now = ctr('app', { restartCount: 1, createdAtMs: T0 + 2000 });
  const before = ctr('app', { state: 'EXITED', exitCode: 137, reason: 'OOMKilled', finishedAtMs: T0 + 1500 });
  const cs = status(pod(), rt([sandbox()], [now, before])).containerStatuses![0]!;
  t.truthy(cs.state?.running);
  t.is(cs.lastState?.terminated?.reason, 'OOMKilled');
  t.is(cs.restartCount, 1);
});

test('ErrImagePull and ImagePullBackOff show as waiting reasons on a container that never ran; the pod is Pending', (t) => {
  const s = status(pod(), rt([sandbox()], []), new Map([['app', { reason: 'ErrImagePull', message: 'Failed to pull image "busybox:1": not found' }]]));
  t.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "busybox:1": not found' } });
  t.is(s.phase, 'Pending');
});

test('init containers: PodInitializing while they run, Initialized False naming them; done ones are ready', (t) => {
  const spec = { initContainers: [{ name: 'one', image: 'b' }, { name: 'two', image: 'b' }] };
  const s = status(pod(spec), rt([sandbox()], [ctr('one', { state: 'EXITED', exitCode: 0 }), ctr('two')]));
  t.is(s.phase, 'Pending');
  t.deepEqual(cond(s, 'Initialized'), { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [two]', lastTransitionTime: iso(T0 + 5000) });
  t.deepEqual(s.initContainerStatuses?.map((c) => c.ready), [true, false]);
  t.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
  const failed = status(pod({ ...spec, restartPolicy: 'Never' }), rt([sandbox()], [ctr('one', { state: 'EXITED', exitCode: 1 })]));
  t.is(failed.phase, 'Failed');
});

test('conditions the kubelet does not own are kept', (t) => {
  const s = status(pod({}, { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] }), rt([sandbox()], [ctr('app')]));
  t.is(s.conditions?.[0]?.type, 'DisruptionTarget');
});

test('a container left created (its start failed) counts as exited, as upstream treats it', (t) => {
  const s = status(pod({ restartPolicy: 'Never' }), rt([sandbox()], [ctr('app', { id: 'x', state: 'CREATED', exitCode: 128, reason: 'StartError', startedAtMs: 0 })]));
  t.deepEqual(s.containerStatuses?.[0]?.state, { terminated: { exitCode: 128, reason: 'StartError', containerID: 'skiff://x' } });
  t.is(s.phase, 'Failed');
});

test('a pod the kubelet fails (DeadlineExceeded) is Failed with the reason and message, and keeps them', (t) => {
  const failed = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
  const s = generatePodStatus({ pod: pod(), runtime: rt([sandbox({ ready: false })], [ctr('app', { state: 'EXITED', exitCode: 137 })]), waiting: new Map(), runtimeName: 'skiff', nodeIp: '192.0.2.10', nowMs: T0, failed });
  t.is(s.phase, 'Failed');
  t.is(s.reason, 'DeadlineExceeded');
  t.is(s.message, failed.message);
  const later = status(pod({}, s), rt([sandbox({ ready: false })], [ctr('app', { state: 'EXITED', exitCode: 137 })]));
  t.deepEqual([later.phase, later.reason, later.message], ['Failed', 'DeadlineExceeded', failed.message]);
});

test('sidecars: ready while running and counted in ContainersReady; they hold Initialized until they run; the app alone decides the phase', (t) => {
  const spec = { restartPolicy: 'Never' as const, initContainers: [{ name: 'side', image: 'b', restartPolicy: 'Always' }] };
  const waitingSide = status(pod(spec), rt([sandbox()], [ctr('side', { state: 'EXITED', exitCode: 1 })]));
  t.is(waitingSide.phase, 'Pending');
  t.is(cond(waitingSide, 'Initialized')?.message, 'containers with incomplete status: [side]');
  const both = status(pod(spec), rt([sandbox()], [ctr('side'), ctr('app')]));
  t.is(both.phase, 'Running');
  t.true(both.initContainerStatuses?.[0]?.ready);
  t.is(cond(both, 'ContainersReady')?.status, 'True');
  const sideDown = status(pod(spec), rt([sandbox()], [ctr('side', { state: 'EXITED', exitCode: 2 }), ctr('app')]));
  t.is(sideDown.phase, 'Running', 'a sidecar\'s exit is no init failure');
  t.is(cond(sideDown, 'ContainersReady')?.message, 'containers with unready status: [side]');
  const done = status(pod(spec), rt([sandbox({ ready: false })], [ctr('side', { state: 'EXITED', exitCode: 137 }), ctr('app', { state: 'EXITED', exitCode: 0 })]));
  t.is(done.phase, 'Succeeded');
});
