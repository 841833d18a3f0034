import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMounter } from '../../../../src/host/mount/fake.js';
import { startVolumeManager } from '../../../../src/kubelet/volumes/index.js';
import { testPki } from '../../apiserver/fixture.js';
import { makeServiceAccountKey } from '../../../../src/apiserver/wiring/serviceaccount-key.js';
import test, { type ExecutionContext } from 'ava';
import type { Event, Pod } from '../../../../src/api/types.js';
import { InformerFactory } from '../../../../src/client/informer-factory.js';
import { ManualTimers } from '../../../../src/client/timers.js';
import { criClient, type CriClient } from '../../../../src/cri/client.js';
import { imageHandlers, runtimeHandlers } from '../../../../src/cri/rpc/index.js';
import { serveCri, type CriHandlers } from '../../../../src/cri/server.js';
import { CriError } from '../../../../src/cri/errors.js';
import { FakeClock } from '../../../../src/host/clock.js';
import type { FakeOciOptions } from '../../../../src/host/oci/fake.js';
import { RealFiles } from '../../../../src/host/files/real.js';
import { startPodManager } from '../../../../src/kubelet/pods/index.js';
import { BUSYBOX, fakeRuntime } from '../../../helpers/cri-deps.js';
import { POD, startClientFixture } from '../../client/client-fixture.js';

// The pod manager against the in-process apiserver and skiff's CRI runtime over fakes (runc,
// conmon, kernel), with time stepped by ManualTimers: the PLEG relists only when the test
// advances the clock a second, so each exit, restart and backoff happens when the test says.

const NODE = 'node-a';
const SA_KEY = makeServiceAccountKey();

async function setup(t: ExecutionContext, ociOpts: FakeOciOptions = {}, handlers?: CriHandlers) {
  // Pods get the kube-api-access volume: its token and kube-root-ca.crt must be there to be mounted.
  const f = await startClientFixture(t, { rootCaBundle: testPki().ca.cert, auth: { serviceAccountKey: SA_KEY } });
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const rt = await fakeRuntime(t, ociOpts, clock);
  const server = await serveCri(rt.deps, join(rt.root, 'cri.sock'), handlers);
  const cri = criClient(server.socketPath);
  const rootDir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-'));
  const informers = new InformerFactory({ client: f.client, clock, timers });
  const logs: string[] = [];
  const start = () => startPodManager({
    nodeName: NODE, client: f.client, informers, cri, clock, timers, files: new RealFiles(), log: (l) => logs.push(l),
    rootDir, clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', nodeIp: '192.0.2.10', cgroupRoot: 'skiff-test',
    volumes: startVolumeManager({ nodeName: NODE, client: f.client, informers, cri, clock, timers, files: new RealFiles(), log: (l) => logs.push(l), rootDir, mounter: new FakeMounter() }),
  });
  const manager = start();
  t.teardown(async () => {
    await manager.stop();
    await informers.stop();
    cri.close();
    await server.close(100);
    await rm(rootDir, { recursive: true, force: true });
  });
  const pods = f.client.resource<Pod>(POD, 'default');
  return { f, clock, timers, rt, cri, rootDir, manager, pods, logs, start, informers };
}

const podOn = (name: string, node: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName: node, terminationGracePeriodSeconds: 3, containers: [{ name: 'app', image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '1000'] }], ...spec },
});

/**
 * Polls get until ok holds, stepping the clock a second (one PLEG relist) between tries. Gives
 * up after a minute of real time, well inside ava's timeout, so teardowns still run.
 */
async function eventually<T>(timers: ManualTimers, get: () => Promise<T>, ok: (v: T) => boolean, stepMs = 1000): Promise<T> {
  const end = performance.now() + 60_000;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error(`gave up waiting; last: ${JSON.stringify(v).slice(0, 2000)}`);
    timers.advance(stepMs);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const containersOf = async (cri: CriClient, uid: string) => (await cri.runtime.listContainers({ filter: { labelSelector: { 'io.kubernetes.pod.uid': uid } } })).containers;

test('a pod bound to this node runs and reports Running with its IP; a pod of another node is left alone', async (t) => {
  const { pods, timers, cri } = await setup(t);
  const other = await pods.create(podOn('elsewhere', 'node-b'));
  const mine = await pods.create(podOn('web', NODE, { containers: [{ name: 'app', image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo $(MSG)'], env: [{ name: 'MSG', value: 'hi' }] }] }));
  const running = await eventually(timers, () => pods.get('web'), (p) => p.status?.phase === 'Running');
  t.regex(running.status?.podIP ?? '', /^10\.244\.9\./);
  t.is(running.status?.hostIP, '192.0.2.10');
  t.deepEqual(running.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  const cs = running.status?.containerStatuses?.[0];
  t.true(cs?.ready);
  t.regex(cs?.containerID ?? '', /^skiff:\/\/[0-9a-f]+$/);
  const [ctr] = await containersOf(cri, mine.metadata.uid!);
  const st = (await cri.runtime.containerStatus({ containerId: ctr!.id, verbose: true })).status!;
  t.is(st.labels['io.kubernetes.container.name'], 'app');
  t.regex(st.logPath, /pod-logs\/default_web_[0-9a-f-]+\/app\/0\.log$/);
  const sb = (await cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': mine.metadata.uid! } } })).items;
  t.is(sb.length, 1);
  t.deepEqual(await containersOf(cri, other.metadata.uid!), []);
  t.is((await pods.get('elsewhere')).status?.phase, 'Pending', 'no kubelet wrote the other node\'s pod');
});

test('restartPolicy Never: an exit 1 makes the pod Failed with the exit code, and nothing is restarted', async (t) => {
  const { pods, timers, rt, cri } = await setup(t);
  const p = await pods.create(podOn('once', NODE, { restartPolicy: 'Never' }));
  await eventually(timers, () => pods.get('once'), (x) => x.status?.phase === 'Running');
  const [c] = await containersOf(cri, p.metadata.uid!);
  rt.oci.exit(c!.id, 1);
  const failed = await eventually(timers, () => pods.get('once'), (x) => x.status?.phase === 'Failed');
  t.is(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
  t.is(failed.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Error');
  timers.advance(60_000);
  await new Promise((r) => setTimeout(r, 50));
  t.is((await containersOf(cri, p.metadata.uid!)).length, 1);
  const sandboxes = (await cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid! } } })).items;
  t.deepEqual(sandboxes.map((s) => s.state), ['SANDBOX_NOTREADY'], 'a finished pod\'s sandbox is stopped');
});

test('restartPolicy Always: a crash restarts at once, the next one waits in CrashLoopBackOff for 10 s; old runs are removed', async (t) => {
  const { pods, timers, rt, cri } = await setup(t);
  const p = await pods.create(podOn('crashy', NODE));
  const uid = p.metadata.uid!;
  await eventually(timers, () => pods.get('crashy'), (x) => x.status?.phase === 'Running');
  const exitNewest = async () => {
    const list = await containersOf(cri, uid);
    const running = list.find((c) => c.state === 'CONTAINER_RUNNING');
    rt.oci.exit(running!.id, 2);
  };
  await exitNewest();
  const again = await eventually(timers, () => pods.get('crashy'), (x) => x.status?.containerStatuses?.[0]?.restartCount === 1 && !!x.status.containerStatuses[0].state?.running);
  t.is(again.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 2);
  await exitNewest();
  const backoff = await eventually(timers, () => pods.get('crashy'), (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 0);
  t.regex(backoff.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=app pod=crashy_default\(/);
  t.is(backoff.status?.containerStatuses?.[0]?.restartCount, 1);
  const restarted = await eventually(timers, () => pods.get('crashy'), (x) => x.status?.containerStatuses?.[0]?.restartCount === 2);
  t.truthy(restarted.status?.containerStatuses?.[0]?.state?.running);
  // Three runs so far: the first is removed, the newest and the one before it stay.
  const left = await eventually(timers, () => containersOf(cri, uid), (l) => l.length === 2, 0);
  t.deepEqual(left.map((c) => c.state).sort(), ['CONTAINER_EXITED', 'CONTAINER_RUNNING']);
});

test('init containers run one after another before the app; Never with a missing image waits in ErrImageNeverPull', async (t) => {
  const { pods, timers, rt, cri } = await setup(t);
  const img = { image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent' as const };
  const p = await pods.create(podOn('init', NODE, { initContainers: [{ name: 'i1', ...img }, { name: 'i2', ...img }] }));
  const uid = p.metadata.uid!;
  const names = async () => (await containersOf(cri, uid)).map((c) => c.metadata?.name).sort();
  await eventually(timers, names, (n) => n.includes('i1'));
  t.deepEqual(await names(), ['i1']);
  const initializing = await eventually(timers, () => pods.get('init'), (x) => !!x.status?.initContainerStatuses?.[0]?.state?.running, 0);
  t.is(initializing.status?.conditions?.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [i1 i2]');
  t.is(initializing.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  rt.oci.exit((await containersOf(cri, uid))[0]!.id, 0);
  await eventually(timers, names, (n) => n.includes('i2'));
  t.deepEqual(await names(), ['i1', 'i2']);
  rt.oci.exit((await containersOf(cri, uid)).find((c) => c.metadata?.name === 'i2')!.id, 0);
  await eventually(timers, () => pods.get('init'), (x) => x.status?.phase === 'Running');
  await pods.create(podOn('never', NODE, { containers: [{ name: 'app', image: 'example.invalid/none:1', imagePullPolicy: 'Never' }] }));
  const never = await eventually(timers, () => pods.get('never'), (x) => !!x.status?.containerStatuses?.[0]?.state?.waiting?.reason);
  t.deepEqual(never.status?.containerStatuses?.[0]?.state?.waiting, { reason: 'ErrImageNeverPull', message: 'Container image "example.invalid/none:1" is not present with pull policy of Never' });
});

test('deletion stops the containers, removes the sandbox, then deletes the pod from the API', async (t) => {
  const { pods, timers, cri } = await setup(t);
  const p = await pods.create(podOn('bye', NODE));
  await eventually(timers, () => pods.get('bye'), (x) => x.status?.phase === 'Running');
  await pods.delete('bye');
  await eventually(timers, () => pods.list(), (l) => !l.items.some((x) => x.metadata.name === 'bye'));
  t.deepEqual((await cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid! } } })).items, []);
  t.deepEqual(await containersOf(cri, p.metadata.uid!), []);
});

test('after a restart: running containers are adopted, not restarted; sandboxes of pods gone from the API are removed', async (t) => {
  const { pods, timers, cri, manager, start, f } = await setup(t);
  const kept = await pods.create(podOn('kept', NODE));
  const gone = await pods.create(podOn('gone', NODE));
  await eventually(timers, () => pods.list(), (l) => l.items.filter((x) => x.status?.phase === 'Running').length === 2);
  const before = (await containersOf(cri, kept.metadata.uid!)).map((c) => c.id);
  await manager.stop();
  // Deleted while the kubelet was down: forced, so the API forgets it at once.
  await f.client.resource<Pod>(POD, 'default').delete('gone', { gracePeriodSeconds: 0 });
  const again = start();
  t.teardown(() => again.stop());
  await eventually(timers, async () => (await cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': gone.metadata.uid! } } })).items, (l) => l.length === 0);
  timers.advance(2000);
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual((await containersOf(cri, kept.metadata.uid!)).map((c) => c.id), before);
  t.is((await pods.get('kept')).status?.phase, 'Running');
});

test('a container the runtime cannot create waits in CreateContainerError and is tried again 10 s later', async (t) => {
  let fail = true;
  const { pods, timers, cri } = await setup(t, { program: () => (fail ? { createError: 'no such device' } : {}) });
  const p = await pods.create(podOn('broken', NODE));
  const waiting = await eventually(timers, () => pods.get('broken'), (x) => !!x.status?.containerStatuses?.[0]?.state?.waiting?.message, 0);
  t.is(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'CreateContainerError');
  t.regex(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /no such device/);
  t.deepEqual(await containersOf(cri, p.metadata.uid!), []);
  fail = false;
  // Exactly the retry period, then no more time: the 60 s resync cannot be what starts it.
  timers.advance(10_000);
  await eventually(timers, () => pods.get('broken'), (x) => x.status?.phase === 'Running', 0);
});


test('a sandbox the runtime cannot make: the pod reports ContainerCreating and the worker tries again', async (t) => {
  const { pods, timers, rt, logs } = await setup(t);
  const network = rt.deps.network;
  rt.deps.network = async () => undefined;
  await pods.create(podOn('nonet', NODE));
  const pending = await eventually(timers, () => pods.get('nonet'), (x) => !!x.status?.containerStatuses, 0);
  t.is(pending.status?.phase, 'Pending');
  t.deepEqual(pending.status?.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
  t.is(pending.status?.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
  t.true(logs.some((l) => /RunPodSandbox failed: .*network is not ready/.test(l)), logs.join('\n'));
  rt.deps.network = network;
  await eventually(timers, () => pods.get('nonet'), (x) => x.status?.phase === 'Running');
});

test('activeDeadlineSeconds: past the deadline the pod is stopped and Failed with DeadlineExceeded', async (t) => {
  const { pods, timers, cri, clock } = await setup(t);
  const p = await pods.create(podOn('deadline', NODE, { activeDeadlineSeconds: 30 }));
  const running = await eventually(timers, () => pods.get('deadline'), (x) => x.status?.phase === 'Running');
  const due = Date.parse(running.status!.startTime!) + 30_000 - clock.now();
  timers.advance(due - 1000);
  await new Promise((r) => setTimeout(r, 50));
  t.is((await pods.get('deadline')).status?.phase, 'Running');
  timers.advance(1000);
  const failed = await eventually(timers, () => pods.get('deadline'), (x) => x.status?.phase === 'Failed', 0);
  t.is(failed.status?.reason, 'DeadlineExceeded');
  t.is(failed.status?.message, 'Pod was active on the node longer than the specified deadline');
  t.deepEqual((await containersOf(cri, p.metadata.uid!)).map((c) => c.state), ['CONTAINER_EXITED']);
});

test('imagePullSecrets: PullImage gets the credentials of the secret entry that matches the image\'s registry', async (t) => {
  const seen: unknown[] = [];
  // A registry only alice may pull from: the fake runtime's store already holds the image.
  const pull: NonNullable<CriHandlers['image']['PullImage']> = async (req) => {
    seen.push(req.auth);
    if (req.auth?.username !== 'alice' || req.auth.password !== 's3cret') throw new CriError('unknown', 'pull access denied');
    return { imageRef: BUSYBOX.id };
  };
  const { pods, timers, f } = await setup(t, {}, { runtime: runtimeHandlers, image: { ...imageHandlers, PullImage: pull } });
  const config = { auths: { 'other.example': { auth: Buffer.from('bob:x').toString('base64') }, 'registry.example:5000': { auth: Buffer.from('alice:s3cret').toString('base64') } } };
  await f.client.resource({ group: '', version: 'v1', plural: 'secrets' }, 'default').create({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  });
  await pods.create(podOn('private', NODE, { imagePullSecrets: [{ name: 'missing' }, { name: 'regcred' }], containers: [{ name: 'app', image: 'registry.example:5000/team/app:1', imagePullPolicy: 'Always' }] }));
  await eventually(timers, () => pods.get('private'), (x) => x.status?.phase === 'Running');
  t.like(seen[0], { username: 'alice', password: 's3cret', serverAddress: 'registry.example:5000' });
});

test('a sidecar runs beside the app and is stopped when the app finishes; the pod Succeeds', async (t) => {
  const { pods, timers, rt, cri } = await setup(t);
  const img = { image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent' as const };
  const p = await pods.create(podOn('withside', NODE, { restartPolicy: 'Never', initContainers: [{ name: 'side', restartPolicy: 'Always', ...img }] }));
  const uid = p.metadata.uid!;
  const running = await eventually(timers, () => pods.get('withside'), (x) => x.status?.phase === 'Running' && !!x.status.containerStatuses?.[0]?.state?.running);
  t.truthy(running.status?.initContainerStatuses?.[0]?.state?.running);
  const app = (await containersOf(cri, uid)).find((c) => c.metadata?.name === 'app')!;
  rt.oci.exit(app.id, 0);
  const done = await eventually(timers, () => pods.get('withside'), (x) => x.status?.phase === 'Succeeded');
  t.is(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  const states = await eventually(timers, async () => (await containersOf(cri, uid)).map((c) => `${c.metadata?.name}:${c.state}`).sort(), (l) => l.every((x) => x.endsWith('EXITED')));
  t.deepEqual(states, ['app:CONTAINER_EXITED', 'side:CONTAINER_EXITED']);
});

test('volumes are mounted into the containers, a missing ConfigMap is a FailedMount event, and the kubelet records upstream\'s events', async (t) => {
  const { f, pods, timers, cri } = await setup(t);
  const p = await pods.create(podOn('vols', NODE, {
    volumes: [{ name: 'conf', configMap: { name: 'settings' } }, { name: 'scratch', emptyDir: {} }],
    containers: [{
      name: 'app', image: 'docker.io/library/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '1000'],
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/data', subPathExpr: '$(POD_NAME)' }],
    }],
  }));
  const events = f.client.resource<Event>({ group: '', version: 'v1', plural: 'events' }, 'default');
  const reasons = async () => (await events.list()).items.filter((e) => e.involvedObject.uid === p.metadata.uid).map((e) => `${e.type}/${e.reason}: ${e.message}`);
  const failed = await eventually(timers, reasons, (r) => r.some((x) => x.startsWith('Warning/FailedMount')));
  t.true(failed.includes('Warning/FailedMount: MountVolume.SetUp failed for volume "conf" : configmap "settings" not found'), failed.join('\n'));
  t.deepEqual(await containersOf(cri, p.metadata.uid!), [], 'no container before its volumes');

  await f.client.resource({ group: '', version: 'v1', plural: 'configmaps' }, 'default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { k: 'v' } });
  await eventually(timers, () => pods.get('vols'), (x) => x.status?.phase === 'Running');
  const [c] = await containersOf(cri, p.metadata.uid!);
  const mounts = (await cri.runtime.containerStatus({ containerId: c!.id })).status!.mounts;
  t.deepEqual(mounts.map((m) => [m.containerPath, m.readonly]).sort(), [['/data', false], ['/etc/app', true], ['/var/run/secrets/kubernetes.io/serviceaccount', true]]);
  t.regex(mounts.find((m) => m.containerPath === '/data')!.hostPath, /\/scratch\/vols$/, 'subPathExpr sees the pod\'s fields');
  const all = await eventually(timers, reasons, (r) => r.some((x) => x.startsWith('Normal/Started')));
  t.true(all.includes('Normal/Created: Created container: app'), all.join('\n'));
  t.true(all.includes('Normal/Started: Started container app'), all.join('\n'));
  const started = (await events.list()).items.find((e) => e.reason === 'Started' && e.involvedObject.uid === p.metadata.uid)!;
  t.like(started, { involvedObject: { kind: 'Pod', name: 'vols', fieldPath: 'spec.containers{app}' }, source: { component: 'kubelet', host: NODE } });
});
