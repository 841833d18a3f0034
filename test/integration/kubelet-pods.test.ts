import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealMounter } from '../../src/host/mount/real.js';
import { startVolumeManager } from '../../src/kubelet/volumes/index.js';
import test from 'ava';
import type { Node, Pod } from '../../src/api/types.js';
import { issueClientCertificate } from '../../src/apiserver/pki.js';
import { Client } from '../../src/client/client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { realTimers } from '../../src/client/timers.js';
import { systemClock } from '../../src/host/clock.js';
import { RealFiles } from '../../src/host/files/real.js';
import { startPodManager } from '../../src/kubelet/pods/index.js';
import type { PodManager, VolumeManager } from '../../src/kubelet/types.js';
import type { CriFixture } from '../cri/fixtures.js';
import { kubectl, startServer, type RunningServer } from '../e2e/skiff-server.js';
import { isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

// The pod manager for real: `skiff server` (dist/cli/skiff.js) on loopback, `skiff cri` in a
// private node netns with its registry and test images, and the manager in this process as
// system:node:<name> (a client certificate from the server's CA), the Node created by admin
// as the Node authorizer wants. The stock kubectl looks at the result. Build dist/ first.

const rt = rootOnly(test);
const PODS = { group: '', version: 'v1', plural: 'pods' } as const;

interface Stand {
  cri: CriFixture;
  server: RunningServer;
  admin: Client;
  node: Client;
  nodeName: string;
  manager: PodManager;
  volumes: VolumeManager;
  informers: InformerFactory;
  rootDir: string;
}

let stand: Stand | undefined;
const logs: string[] = [];

if (isRoot) {
  test.before(async () => {
    const cri = await startSkiffCri();
    const parts: Partial<Stand> = { cri };
    try {
      const server = await startServer();
      parts.server = server;
      const files = new RealFiles();
      const admin = await Client.fromKubeconfig({ files, clock: systemClock }, server.kubeconfig);
      parts.admin = admin;
      const nodeName = uniq('kp');
      await admin.resource<Node>({ group: '', version: 'v1', plural: 'nodes' }).create({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
      const ca = { cert: await readFile(join(server.dir, 'pki', 'ca.crt'), 'utf8'), key: await readFile(join(server.dir, 'pki', 'ca.key'), 'utf8') };
      const creds = issueClientCertificate(ca, `system:node:${nodeName}`, ['system:nodes']);
      const node = new Client({ config: { server: server.url, ca: ca.cert, cert: creds.cert, key: creds.key }, clock: systemClock, files });
      parts.node = node;
      const informers = new InformerFactory({ client: node, clock: systemClock, timers: realTimers });
      parts.informers = informers;
      const rootDir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-'));
      parts.rootDir = rootDir;
      const volumes = startVolumeManager({ nodeName, client: node, informers, cri: cri.cri, clock: systemClock, timers: realTimers, files, log: (l) => logs.push(l), rootDir, mounter: new RealMounter() });
      parts.volumes = volumes;
      const manager = startPodManager({
        nodeName, client: node, informers, cri: cri.cri, clock: systemClock, timers: realTimers, files, log: (l) => logs.push(l),
        rootDir, clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', nodeIp: '192.0.2.10', cgroupRoot: cri.cgroupParent,
        volumes,
      });
      stand = { cri, server, admin, node, nodeName, manager, volumes, informers, rootDir };
    } catch (err) {
      await teardown(parts);
      throw err;
    }
  });
  test.after.always(async () => {
    if (stand) await teardown(stand);
  });
}

/** Everything the stand made, in reverse; the CRI fixture takes back pods, cgroups, mounts and its netns. */
async function teardown(s: Partial<Stand>): Promise<void> {
  await s.manager?.stop().catch(() => undefined);
  await s.informers?.stop().catch(() => undefined);
  s.node?.close();
  s.admin?.close();
  await s.server?.stop();
  if (s.server) await rm(s.server.dir, { recursive: true, force: true });
  await s.cri?.stop();
  // Pods left running keep their volumes (as upstream's kubelet does on stop): their tmpfs go once no container holds them.
  for (const uid of (await s.volumes?.podsOnDisk().catch(() => [])) ?? []) await s.volumes?.tearDown(uid).catch(() => undefined);
  if (s.rootDir) await rm(s.rootDir, { recursive: true, force: true });
}

// A bound well inside ava's timeout: a test that waits in vain fails by itself, so the
// after.always teardown still runs (ava skips it when it times a test out).
const GIVE_UP_MS = 60_000;

/** Polls until ok holds; rejects after GIVE_UP_MS with the last value seen. */
async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = performance.now() + GIVE_UP_MS;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error(`gave up waiting; last: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A signal that aborts a watch after GIVE_UP_MS (or when the test ends). */
function giveUp(t: { teardown(fn: () => void): void }): AbortSignal {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), GIVE_UP_MS);
  t.teardown(() => { clearTimeout(timer); abort.abort(); });
  return abort.signal;
}

const podSpec = (s: Stand, name: string, spec: Partial<NonNullable<Pod['spec']>>): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName: s.nodeName, terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: s.cri.images.busybox, command: ['sleep', '3600'] }], ...spec },
});

const sandboxesOf = async (s: Stand, uid: string) => (await s.cri.cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': uid } } })).items;

rt.serial('a pod bound to the node runs: Running with a pod IP, and the stock kubectl sees it', async (t) => {
  const s = stand!;
  const pods = s.admin.resource<Pod>(PODS, 'default');
  const name = uniq('run');
  await pods.create(podSpec(s, name, { containers: [{ name: 'web', image: s.cri.images.httpd }] }));
  const running = await eventually(() => pods.get(name), (p) => p.status?.phase === 'Running');
  const ip = running.status?.podIP ?? '';
  const prefix = s.cri.podSubnet.split('.').slice(0, 3).join('.');
  t.true(ip.startsWith(`${prefix}.`), `pod IP ${ip} in ${s.cri.podSubnet}`);
  t.regex(running.status?.containerStatuses?.[0]?.containerID ?? '', /^skiff:\/\//);
  const got = await kubectl(s.server.kubeconfig, ['get', 'pod', name, '-o', 'wide', '--no-headers']);
  t.is(got.code, 0, got.stderr);
  t.regex(got.stdout, new RegExp(`^${name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${ip.replaceAll('.', '\\.')}\\s+${s.nodeName}\\s`));
  // The container serves on the pod IP, reached from the node's network namespace (node's
  // fetch: Debian's static busybox wget segfaults outside a container).
  const code = `fetch('http://${ip}:8080/').then((r) => r.text()).then((b) => process.stdout.write(b), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
  const got2 = await eventually(() => s.cri.inNode([process.execPath, '-e', code], 10_000), (r) => r.code === 0);
  t.is(got2.stdout, 'hello from skiff\n');
});

rt.serial('restartPolicy Never: a container that exits 1 leaves the pod Failed with the exit code', async (t) => {
  const s = stand!;
  const pods = s.admin.resource<Pod>(PODS, 'default');
  const name = uniq('fail');
  await pods.create(podSpec(s, name, { restartPolicy: 'Never', containers: [{ name: 'app', image: s.cri.images.busybox, command: ['sh', '-c', 'exit 1'] }] }));
  const failed = await eventually(() => pods.get(name), (p) => p.status?.phase === 'Failed');
  t.deepEqual(failed.status?.containerStatuses?.[0]?.state?.terminated && { exitCode: failed.status.containerStatuses[0].state.terminated.exitCode, reason: failed.status.containerStatuses[0].state.terminated.reason }, { exitCode: 1, reason: 'Error' });
  const got = await kubectl(s.server.kubeconfig, ['get', 'pod', name, '--no-headers']);
  t.regex(got.stdout, /\s0\/1\s+Error\s+0\s/);
  await pods.delete(name, { gracePeriodSeconds: 0 });
});

rt.serial('deleting a pod stops it, removes its sandbox, and the kubelet removes the pod object', async (t) => {
  const s = stand!;
  const pods = s.admin.resource<Pod>(PODS, 'default');
  const name = uniq('del');
  const created = await pods.create(podSpec(s, name, {}));
  await eventually(() => pods.get(name), (p) => p.status?.phase === 'Running');
  t.is((await sandboxesOf(s, created.metadata.uid!)).length, 1);
  // kubectl delete waits until the object is gone: only the kubelet's final delete removes it.
  const del = await kubectl(s.server.kubeconfig, ['delete', 'pod', name, '--timeout=60s']);
  t.is(del.code, 0, del.stderr);
  t.deepEqual(await sandboxesOf(s, created.metadata.uid!), []);
  const after = await kubectl(s.server.kubeconfig, ['get', 'pod', name]);
  t.regex(after.stderr, /NotFound/);
});

rt.serial('an image the registry does not have: ErrImagePull, then ImagePullBackOff while the backoff runs', async (t) => {
  const s = stand!;
  const pods = s.admin.resource<Pod>(PODS, 'default');
  const name = uniq('nopull');
  const created = await pods.create(podSpec(s, name, { containers: [{ name: 'app', image: s.cri.images.missing }] }));
  // A watch sees every status the kubelet writes, however briefly each lasts.
  const signal = giveUp(t);
  const reasons: string[] = [];
  const messages = new Map<string, string>();
  for await (const ev of pods.watch({ fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata.resourceVersion!, signal })) {
    const waiting = ev.object.status?.containerStatuses?.[0]?.state?.waiting;
    if (waiting?.reason && reasons.at(-1) !== waiting.reason) reasons.push(waiting.reason);
    if (waiting?.reason && waiting.message) messages.set(waiting.reason, waiting.message);
    if (waiting?.reason === 'ImagePullBackOff') break;
  }
  t.deepEqual(reasons.filter((r) => r !== 'ContainerCreating'), ['ErrImagePull', 'ImagePullBackOff']);
  t.regex(messages.get('ErrImagePull') ?? '', new RegExp(`^Failed to pull image "${s.cri.images.missing}": .*manifest unknown`));
  t.is(messages.get('ImagePullBackOff'), `Back-off pulling image "${s.cri.images.missing}"`);
  t.is((await pods.get(name)).status?.phase, 'Pending');
  const got = await kubectl(s.server.kubeconfig, ['get', 'pod', name, '--no-headers']);
  t.regex(got.stdout, /\s0\/1\s+(ImagePullBackOff|ErrImagePull)\s/);
  await pods.delete(name, { gracePeriodSeconds: 0 });
});

rt.serial('create → Running as a watch sees it, for five pods one after another (logged, not asserted)', async (t) => {
  const s = stand!;
  const pods = s.admin.resource<Pod>(PODS, 'default');
  const took: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = uniq('time');
    const start = performance.now();
    const created = await pods.create(podSpec(s, name, {}));
    let running = false;
    for await (const ev of pods.watch({ fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata.resourceVersion!, signal: giveUp(t) })) {
      running = ev.object.status?.phase === 'Running';
      if (running) break;
    }
    t.true(running, `${name} never ran`);
    took.push(Math.round(performance.now() - start));
    await pods.delete(name, { gracePeriodSeconds: 0 });
  }
  t.log(`create → Running (ms): ${took.join(', ')}`);
  t.is(took.length, 5);
});
