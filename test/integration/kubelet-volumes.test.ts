// The volume manager on the real kernel (tmpfs through the addon) against the in-process
// apiserver, as the node itself: a client certificate for system:node:<name>, so every read
// and TokenRequest passes the Node authorizer and NodeRestriction as a kubelet's would.
import test from 'ava';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/types.js';
import { issueClientCertificate } from '../../src/apiserver/pki.js';
import { makeServiceAccountKey } from '../../src/apiserver/wiring/serviceaccount-key.js';
import { Client } from '../../src/client/client.js';
import { realTimers } from '../../src/client/timers.js';
import { systemClock } from '../../src/host/clock.js';
import { RealFiles } from '../../src/host/files/real.js';
import { parseMountinfo } from '../../src/host/mount/real.js';
import { RealMounter } from '../../src/host/mount/real.js';
import { startVolumeManager } from '../../src/kubelet/volumes/index.js';
import { eventually, isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startAuthFixture, testPki } from '../unit/apiserver/fixture.js';

const rt = rootOnly(test);
const saKey = makeServiceAccountKey();
const mountsBelow = async (dir: string) => parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((m) => m.target === dir || m.target.startsWith(`${dir}/`));

if (isRoot) {
  rt('a pod\'s configMap, secret (tmpfs), downwardAPI and token volumes materialize as the node; a ConfigMap update is swapped in whole; tearDown leaves no mount and no directory', async (t) => {
    const f = await startAuthFixture(t, { serviceAccountKey: saKey });
    const node = uniq('n');
    const ns = uniq('ns');
    const root = await mkdtemp(join(tmpdir(), 'skiff-kvol-'));
    const mounter = new RealMounter();
    t.teardown(async () => {
      for (const m of (await mountsBelow(root)).reverse()) await mounter.unmount(m.target, { detach: true }).catch(() => {});
      await rm(root, { recursive: true, force: true });
    });
    const ok = (r: { status: number; text: string }) => { if (r.status >= 300) throw new Error(r.text); };
    ok(await f.call('POST', '/api/v1/nodes', { metadata: { name: node } }));
    t.teardown(() => f.call('DELETE', `/api/v1/nodes/${node}`).then(() => {}));
    ok(await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } }));
    ok(await f.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': testPki().ca.cert } }));
    ok(await f.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'cfg' }, data: { a: 'a1', b: 'b1' } }));
    ok(await f.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'elsewhere' }, data: { x: 'x' } }));
    ok(await f.call('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'sec' }, data: { pw: Buffer.from('s3cret').toString('base64') } }));
    const created = await f.call('POST', `/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        nodeName: node, containers: [{ name: 'app', image: 'busybox' }],
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'sec', secret: { secretName: 'sec' } },
          { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        ],
      },
    });
    ok(created);
    const pod = created.json as Pod;
    const other = await f.call('POST', `/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: 'theirs' }, spec: { nodeName: `${node}-other`, containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'x', configMap: { name: 'elsewhere' } }] },
    });
    ok(other);

    const cert = issueClientCertificate(testPki().ca, `system:node:${node}`, ['system:nodes']);
    const client = new Client({ config: { server: f.server.url, ca: testPki().ca.cert, cert: cert.cert, key: cert.key }, clock: systemClock, files: new RealFiles() });
    t.teardown(() => client.close());
    const vm = startVolumeManager({
      nodeName: node, client, informers: undefined as never, cri: undefined as never, clock: systemClock, timers: realTimers,
      files: new RealFiles(), log: () => {}, rootDir: root, mounter,
    });
    t.teardown(() => vm.stop());

    // The Node authorizer learns the pod's references from its watch: wait until it has.
    const { paths } = await eventually(() => vm.setUp(pod));
    const uid = pod.metadata.uid!;
    t.is(await readFile(join(paths.get('cfg')!, 'a'), 'utf8'), 'a1');
    t.is(await readFile(join(paths.get('sec')!, 'pw'), 'utf8'), 's3cret');
    t.is(await readFile(join(paths.get('info')!, 'name'), 'utf8'), 'web');
    const api = [...paths.keys()].find((n) => n.startsWith('kube-api-access-'))!;
    t.regex(await readFile(join(paths.get(api)!, 'token'), 'utf8'), /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    t.is(await readFile(join(paths.get(api)!, 'namespace'), 'utf8'), ns);
    const mounts = await mountsBelow(join(root, 'pods', uid));
    const tmpfs = new Set(mounts.filter((m) => m.fstype === 'tmpfs').map((m) => m.target));
    t.deepEqual([...tmpfs].sort(), [paths.get('sec'), paths.get('info'), paths.get(api), paths.get('mem')].sort());
    t.is((await stat(paths.get('sec')!)).mode & 0o7777, 0o1777, 'a tmpfs root as upstream leaves it');
    const memLine = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === paths.get('mem'));
    t.regex(memLine ?? '', / tmpfs tmpfs .*size=8192k/, 'the Memory emptyDir is sized by its sizeLimit');

    const oldData = await readlink(join(paths.get('cfg')!, '..data'));
    ok(await f.call('PUT', `/api/v1/namespaces/${ns}/configmaps/cfg`, { metadata: { name: 'cfg' }, data: { a: 'a2', b: 'b2' } }));
    await vm.setUp(pod);
    const newData = await readlink(join(paths.get('cfg')!, '..data'));
    t.not(newData, oldData);
    t.deepEqual([await readFile(join(paths.get('cfg')!, 'a'), 'utf8'), await readFile(join(paths.get('cfg')!, 'b'), 'utf8')], ['a2', 'b2']);
    t.deepEqual([await readFile(join(paths.get('cfg')!, newData, 'a'), 'utf8'), await readFile(join(paths.get('cfg')!, newData, 'b'), 'utf8')], ['a2', 'b2'], 'both keys in one data directory');
    await t.throwsAsync(stat(join(paths.get('cfg')!, oldData)), { code: 'ENOENT' });
    t.is((await mountsBelow(join(root, 'pods', uid))).length, mounts.length, 'refreshing mounts nothing again');

    // Another node's pod: its ConfigMap is not this node's to read.
    const refused = await t.throwsAsync(vm.setUp(other.json as Pod));
    t.regex(refused?.message ?? '', /^MountVolume\.SetUp failed for volume "x" : .*forbidden/);

    await vm.tearDown(uid);
    await vm.tearDown((other.json as Pod).metadata.uid!);
    t.deepEqual(await mountsBelow(root), []);
    await t.throwsAsync(stat(join(root, 'pods', uid)), { code: 'ENOENT' });
    t.deepEqual(await vm.podsOnDisk(), []);
  });
}
