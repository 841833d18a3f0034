import test from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { computePodActions } from '../../../../src/kubelet/pods/actions.js';
import { Backoff, goDuration } from '../../../../src/kubelet/pods/backoff.js';
import { changedPods, snapshotOf } from '../../../../src/kubelet/pods/pleg.js';
import { containerHash } from '../../../../src/kubelet/pods/labels.js';
import type { ContainerView, PodRuntime, SandboxView } from '../../../../src/kubelet/pods/runtime-view.js';
import { generatePodStatus, type WaitingReason } from '../../../../src/kubelet/pods/status.js';
import { FakeClock } from '../../../../src/host/clock.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, status?: Pod['status']): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: { containers: [{ name: 'app', image: 'busybox:1' }], ...spec },
  ...(status ? { status } : {}),
});
const sandbox = (over: Partial<SandboxView> = {}): SandboxView => ({ id: 'sb1', attempt: 0, ready: true, createdAtMs: T0, ips: ['10.244.0.5'], ...over });
let seq = 0;
const ctr = (name: string, over: Partial<ContainerView> = {}): ContainerView => ({
  id: `c${++seq}`, sandboxId: 'sb1', name, restartCount: 0, hash: '', state: 'RUNNING', createdAtMs: T0, startedAtMs: T0 + 1000, finishedAtMs: 0,
  exitCode: 0, reason: '', message: '', image: 'docker.io/library/busybox:1', imageRef: 'docker.io/library/busybox@sha256:aa', ...over,
});
const rt = (sandboxes: SandboxView[], containers: ContainerView[]): PodRuntime => ({ sandboxes, containers, stale: [] });
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
    name: 'app', image: 'busybox:1', imageID: 'docker.io/library/busybox@sha256:aa', containerID: 'skiff://abc', ready: true, started: true, restartCount: 0,
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

test('PLEG: a pod changed when its sandboxes or containers change state, appear or vanish; unlabelled items are not ours', (t) => {
  const sb = (id: string, uid: string, state = 'SANDBOX_READY') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const c = (id: string, uid: string, state = 'CONTAINER_RUNNING') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const a = snapshotOf([sb('s1', 'A'), sb('s2', 'B'), { id: 'x', state: 'SANDBOX_READY', labels: {} }], [c('c1', 'A'), c('c2', 'B')]);
  t.deepEqual([...a.keys()].sort(), ['A', 'B']);
  const b = snapshotOf([sb('s1', 'A'), sb('s3', 'C')], [c('c1', 'A', 'CONTAINER_EXITED')]);
  t.deepEqual(changedPods(a, b).sort(), ['A', 'B', 'C']);
  t.deepEqual(changedPods(b, b), []);
});
