// The volume manager against the in-process apiserver (as admin: the Node authorizer's part
// is the integration test's) on a real temp dir, with the mount table of FakeMounter.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../../src/api/types.js';
import { ManualTimers } from '../../../../src/client/timers.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { RealFiles } from '../../../../src/host/files/real.js';
import { FakeMounter } from '../../../../src/host/mount/fake.js';
import { MountError, startVolumeManager, VolumeSetUpError } from '../../../../src/kubelet/volumes/index.js';
import type { VolumeManager } from '../../../../src/kubelet/types.js';
import { makeServiceAccountKey } from '../../../../src/apiserver/wiring/serviceaccount-key.js';
import { startClientFixture, type ClientFixture } from '../../client/client-fixture.js';

const files = new RealFiles();
const saKey = makeServiceAccountKey();
const ROOT_CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let seq = 0;

interface Env { f: ClientFixture; vm: VolumeManager; root: string; mounter: FakeMounter; clock: FakeClock; ns: string }

async function env(t: ExecutionContext): Promise<Env> {
  // One clock for the server and the kubelet: tokens are issued and aged on the same time.
  const clock = new FakeClock(Date.now());
  const f = await startClientFixture(t, { auth: { serviceAccountKey: saKey }, clock });
  const root = await mkdtemp(join(tmpdir(), 'skiff-vol-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const mounter = new FakeMounter();
  const vm = startVolumeManager({
    nodeName: 'node-a', client: f.client, informers: undefined as never, cri: undefined as never, clock, timers: new ManualTimers(clock),
    files, log: () => {}, rootDir: root, mounter,
  });
  t.teardown(() => vm.stop());
  const ns = `vol${process.pid}x${seq++}`;
  const r = await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  t.is(r.status, 201, r.text);
  // What the root-ca-cert-publisher would have put there (the fixture runs no publisher).
  const ca = await f.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': ROOT_CA } });
  t.true(ca.status === 201 || ca.status === 409, ca.text);
  return { f, vm, root, mounter, clock, ns };
}

async function createPod(e: Env, name: string, spec: Partial<NonNullable<Pod['spec']>>): Promise<Pod> {
  const r = await e.f.call('POST', `/api/v1/namespaces/${e.ns}/pods`, { metadata: { name, labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec } });
  if (r.status !== 201) throw new Error(`${r.status} ${r.text}`);
  return r.json as Pod;
}

const read = (p: string) => files.readText(p);

test('configMap, secret and downwardAPI volumes materialize; the secret sits on tmpfs; a ConfigMap update reaches the pod on the next setUp', async (t) => {
  const e = await env(t);
  await e.f.call('POST', `/api/v1/namespaces/${e.ns}/configmaps`, { metadata: { name: 'cfg' }, data: { 'app.conf': 'v1' } });
  await e.f.call('POST', `/api/v1/namespaces/${e.ns}/secrets`, { metadata: { name: 'sec' }, data: { pw: Buffer.from('s3cret').toString('base64') } });
  const pod = await createPod(e, 'web', {
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
  });
  const { paths } = await e.vm.setUp(pod);
  const uid = pod.metadata.uid!;
  t.is(paths.get('cfg'), join(e.root, 'pods', uid, 'volumes', 'kubernetes.io~configmap', 'cfg'));
  t.is(await read(join(paths.get('cfg')!, 'app.conf')), 'v1');
  t.is(await read(join(paths.get('sec')!, 'pw')), 's3cret');
  t.like(await files.stat(join(paths.get('sec')!, 'pw')), { mode: 0o400 });
  t.is(await read(join(paths.get('info')!, 'labels')), 'app="web"');
  const mounts = await e.mounter.list(join(e.root, 'pods', uid));
  const api = [...paths.keys()].find((n) => n.startsWith('kube-api-access-'))!;
  t.deepEqual(mounts.map((m) => [m.fstype, m.target]).sort(), [['tmpfs', paths.get('info')], ['tmpfs', paths.get('sec')], ['tmpfs', paths.get(api)]].sort());
  t.false(mounts.some((m) => m.target === paths.get('cfg')), 'a configMap stays on disk, as upstream');

  const r = await e.f.call('PATCH', `/api/v1/namespaces/${e.ns}/configmaps/cfg`, { data: { 'app.conf': 'v2' } }, { 'content-type': 'application/merge-patch+json' });
  t.is(r.status, 200, r.text);
  const before = await files.readlink(join(paths.get('cfg')!, '..data'));
  await e.vm.setUp(pod);
  t.is(await read(join(paths.get('cfg')!, 'app.conf')), 'v2');
  t.not(await files.readlink(join(paths.get('cfg')!, '..data')), before);
  t.is((await e.mounter.list(join(e.root, 'pods', uid))).length, 3, 'setUp again mounts nothing twice');

  t.deepEqual(await e.vm.podsOnDisk(), [uid]);
  await e.vm.tearDown(uid);
  t.deepEqual(await e.mounter.list(e.root), []);
  t.false(files.existsSync(join(e.root, 'pods', uid)));
  t.deepEqual(await e.vm.podsOnDisk(), []);
  await t.notThrowsAsync(e.vm.tearDown(uid), 'tearDown twice');
});

test('a missing ConfigMap or key fails with upstream\'s FailedMount message; optional ones do not', async (t) => {
  const e = await env(t);
  await e.f.call('POST', `/api/v1/namespaces/${e.ns}/configmaps`, { metadata: { name: 'cfg' }, data: { a: 'A' } });
  const pod = await createPod(e, 'p', {
    volumes: [
      { name: 'gone', configMap: { name: 'nope' } },
      { name: 'key', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k' }] } },
      { name: 'opt', configMap: { name: 'nope', optional: true } },
      { name: 'sec', secret: { secretName: 'nope' } },
    ],
  });
  const err = await t.throwsAsync(e.vm.setUp(pod), { instanceOf: VolumeSetUpError });
  t.is(err?.message, 'MountVolume.SetUp failed for volume "gone" : configmap "nope" not found');
  t.deepEqual(err?.all.map((x) => x.message), [
    'MountVolume.SetUp failed for volume "gone" : configmap "nope" not found',
    'MountVolume.SetUp failed for volume "key" : configmap references non-existent config key: k',
    'MountVolume.SetUp failed for volume "sec" : secret "nope" not found',
  ]);
  await e.vm.tearDown(pod.metadata.uid!);
  t.deepEqual(await e.mounter.list(e.root), []);
});

test('projected kube-api-access: a bound token, the root CA and the namespace; the token is reused until 80% of its lifetime, then requested anew', async (t) => {
  const e = await env(t);
  const pod = await createPod(e, 'api', {});
  const vol = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
  t.truthy(vol?.projected, 'the apiserver added the kube-api-access volume');
  const { paths } = await e.vm.setUp(pod);
  const dir = paths.get(vol!.name)!;
  const token = await read(join(dir, 'token'));
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { uid: string } } };
  t.is(claims.sub, `system:serviceaccount:${e.ns}:default`);
  t.is(claims['kubernetes.io'].pod.uid, pod.metadata.uid ?? '');
  t.regex(await read(join(dir, 'ca.crt')), /BEGIN CERTIFICATE/);
  t.is(await read(join(dir, 'namespace')), e.ns);
  t.like(await files.stat(join(dir, 'token')), { mode: 0o644 });

  e.clock.advance(60_000);
  await e.vm.setUp(pod);
  t.is(await read(join(dir, 'token')), token, 'a young token is served again');
  e.clock.advance(3607 * 1000 * 0.8);
  await e.vm.setUp(pod);
  t.not(await read(join(dir, 'token')), token, 'past 80% of its lifetime the token is replaced');
});

test('emptyDir: a directory open to all, or tmpfs for Memory; fsGroup gives the group and setgid', async (t) => {
  const e = await env(t);
  const pod = await createPod(e, 'e', {
    securityContext: { fsGroup: 2345 },
    volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }, { name: 'cfg', configMap: { name: 'kube-root-ca.crt' } }],
  });
  const { paths } = await e.vm.setUp(pod);
  t.like(await files.stat(paths.get('scratch')!), { kind: 'dir', mode: 0o2777, gid: 2345 });
  t.deepEqual((await e.mounter.list(paths.get('mem')!)).map((m) => m.fstype), ['tmpfs']);
  t.like(await files.stat(join(paths.get('cfg')!, 'ca.crt')), { mode: 0o644, gid: 2345 });
  await e.vm.tearDown(pod.metadata.uid!);
});

test('hostPath types are checked as upstream; *OrCreate make the path', async (t) => {
  const e = await env(t);
  const host = join(e.root, 'host');
  await files.mkdir(host);
  await files.write(join(host, 'file'), 'x');
  const pod = (type: string, path: string) => createPod(e, `h${seq++}`, { volumes: [{ name: 'h', hostPath: { path, type: type as 'Directory' } }] });
  await t.notThrowsAsync(e.vm.setUp(await pod('Directory', host)));
  await t.notThrowsAsync(e.vm.setUp(await pod('File', join(host, 'file'))));
  await t.notThrowsAsync(e.vm.setUp(await pod('DirectoryOrCreate', join(host, 'new', 'dir'))));
  t.like(await files.stat(join(host, 'new', 'dir')), { kind: 'dir' });
  await t.notThrowsAsync(e.vm.setUp(await pod('FileOrCreate', join(host, 'made'))));
  t.like(await files.stat(join(host, 'made')), { kind: 'file' });
  await t.notThrowsAsync(e.vm.setUp(await pod('CharDevice', '/dev/null')));
  const fail = async (type: string, path: string) => (await t.throwsAsync(e.vm.setUp(await pod(type, path))))?.message;
  t.is(await fail('Directory', join(host, 'file')), `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(host, 'file')} is not a directory`);
  t.is(await fail('File', join(host, 'none')), `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(host, 'none')} is not a file`);
  t.is(await fail('Socket', host), `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${host} is not a socket file`);
  t.is(await fail('BlockDevice', '/dev/null'), 'MountVolume.SetUp failed for volume "h" : hostPath type check failed: /dev/null is not a block device');
});

test('subPaths are made under the volume; one that leads out through a symlink is refused', async (t) => {
  const e = await env(t);
  const outside = join(e.root, 'outside');
  await files.mkdir(outside);
  const spec = (subPath: string) => ({
    volumes: [{ name: 'data', emptyDir: {} }],
    containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/d', subPath }] }],
  });
  const ok = await createPod(e, 'sp', spec('a/b'));
  const { paths } = await e.vm.setUp(ok);
  t.like(await files.stat(join(paths.get('data')!, 'a', 'b')), { kind: 'dir', mode: 0o777 });

  const bad = await createPod(e, 'sp2', spec('link/x'));
  await e.vm.setUp(await createPod(e, 'sp3', spec(''))).catch(() => {});
  // The pod itself planted a link to the host in its emptyDir (as a container could).
  const dir = join(e.root, 'pods', bad.metadata.uid!, 'volumes', 'kubernetes.io~empty-dir', 'data');
  await files.mkdir(dir, { recursive: true });
  await symlink(outside, join(dir, 'link'));
  const err = await t.throwsAsync(e.vm.setUp(bad), { instanceOf: MountError });
  t.is(err?.message, 'failed to prepare subPath for volumeMount "data" of container "app"');
  t.deepEqual(await files.list(outside), [], 'nothing made outside the volume');
});

test('the pod and its volumes directory are private to root (0750), as upstream makes them', async (t) => {
  const e = await env(t);
  const pod = await createPod(e, 'priv', { volumes: [{ name: 'scratch', emptyDir: {} }] });
  await e.vm.setUp(pod);
  t.like(await files.stat(join(e.root, 'pods', pod.metadata.uid!)), { mode: 0o750 });
  t.like(await files.stat(join(e.root, 'pods', pod.metadata.uid!, 'volumes')), { mode: 0o750 });
  await e.vm.tearDown(pod.metadata.uid!);
});

test('a subPathExpr on a variable only the pod manager resolves is made by prepareSubPaths with its env; an escaping value is refused', async (t) => {
  const e = await env(t);
  const container = {
    name: 'app', image: 'busybox',
    env: [{ name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'dir' } } }],
    volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: 'logs/$(FROM_CM)' }],
  };
  const pod = await createPod(e, 'expr', { volumes: [{ name: 'data', emptyDir: {} }], containers: [container] });
  const volumes = await e.vm.setUp(pod);
  const data = volumes.paths.get('data')!;
  t.false(files.existsSync(join(data, 'logs')), 'setUp cannot know FROM_CM and leaves it');
  await e.vm.prepareSubPaths(pod, container, volumes, new Map([['FROM_CM', 'blue']]));
  t.like(await files.stat(join(data, 'logs', 'blue')), { kind: 'dir' });
  await symlink('/', join(data, 'logs', 'root'));
  const err = await t.throwsAsync(e.vm.prepareSubPaths(pod, container, volumes, new Map([['FROM_CM', 'root/tmp']])), { instanceOf: MountError });
  t.is(err?.message, 'failed to prepare subPath for volumeMount "data" of container "app"');
  await t.throwsAsync(e.vm.prepareSubPaths(pod, container, volumes, new Map()), { message: 'missing value for FROM_CM' });
  await e.vm.tearDown(pod.metadata.uid!);
});

test('a volume type the kubelet does not serve fails that volume with a reason, the others are still made', async (t) => {
  const e = await env(t);
  const pod = await createPod(e, 'pvc', { volumes: [{ name: 'claim', persistentVolumeClaim: { claimName: 'c' } }, { name: 'scratch', emptyDir: {} }] });
  const err = await t.throwsAsync(e.vm.setUp(pod), { instanceOf: VolumeSetUpError });
  t.is(err?.all.length, 1);
  t.regex(err?.message ?? '', /^MountVolume\.SetUp failed for volume "claim" : volume type of "claim" is not supported/);
  t.true(files.existsSync(join(e.root, 'pods', pod.metadata.uid!, 'volumes', 'kubernetes.io~empty-dir', 'scratch')));
  await e.vm.tearDown(pod.metadata.uid!);
});
