// Volumes as a container sees them: setUp and containerMounts feed CreateContainer on skiff's
// runtime (`skiff cri`, dist/ built), and an updated ConfigMap shows up in the running
// container after the next setUp, read-only, as upstream's kubelet + runtime behave.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod as ApiPod } from '../../src/api/types.js';
import { makeServiceAccountKey } from '../../src/apiserver/wiring/serviceaccount-key.js';
import { Client } from '../../src/client/client.js';
import { realTimers } from '../../src/client/timers.js';
import { systemClock } from '../../src/host/clock.js';
import { RealFiles } from '../../src/host/files/real.js';
import { parseMountinfo, RealMounter } from '../../src/host/mount/real.js';
import { containerMounts, startVolumeManager } from '../../src/kubelet/volumes/index.js';
import { exec, runPod, startContainer, sleeper } from '../cri/suite.js';
import { isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';
import { startAuthFixture, testPki } from '../unit/apiserver/fixture.js';

const rt = rootOnly(test);

if (isRoot) {
  rt('a running container reads its configMap read-only, sees an update after setUp, and writes through an emptyDir subPath to the node', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'skiff-kvolcri-'));
    const mounter = new RealMounter();
    // Registered first, so it runs last: after the containers and the runtime are gone.
    t.teardown(async () => {
      const left = parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((m) => m.target.startsWith(`${root}/`)).reverse();
      for (const m of left) await mounter.unmount(m.target, { detach: true }).catch(() => {});
      await rm(root, { recursive: true, force: true });
    });
    const fx = await startSkiffCri();
    t.teardown(() => fx.stop());
    const f = await startAuthFixture(t, { serviceAccountKey: makeServiceAccountKey() });
    const ns = uniq('ns');
    const ok = (r: { status: number; text: string }) => { if (r.status >= 300) throw new Error(r.text); };
    ok(await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } }));
    ok(await f.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'cfg' }, data: { 'app.conf': 'one' } }));
    const created = await f.call('POST', `/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: 'web' },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'data', mountPath: '/data', subPath: 'app' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'data', emptyDir: {} }],
      },
    });
    ok(created);
    const pod = created.json as ApiPod;
    const client = new Client({ config: { server: f.server.url, ca: testPki().ca.cert, cert: testPki().admin.cert, key: testPki().admin.key }, clock: systemClock, files: new RealFiles() });
    t.teardown(() => client.close());
    const vm = startVolumeManager({
      nodeName: 'n', client, informers: undefined as never, cri: fx.cri, clock: systemClock, timers: realTimers, files: new RealFiles(), log: () => {}, rootDir: root, mounter,
    });
    const volumes = await vm.setUp(pod);
    const mounts = containerMounts(pod, pod.spec!.containers[0]!, volumes);

    const sandbox = await runPod(t, fx);
    const id = await startContainer(t, fx, sandbox, sleeper(fx, { mounts }));
    t.like(await exec(fx, id, ['cat', '/etc/app/app.conf']), { stdout: 'one', exitCode: 0 });
    t.not((await exec(fx, id, ['sh', '-c', 'echo x > /etc/app/new'])).exitCode, 0, 'API data is mounted read-only');

    ok(await f.call('PUT', `/api/v1/namespaces/${ns}/configmaps/cfg`, { metadata: { name: 'cfg' }, data: { 'app.conf': 'two' } }));
    await vm.setUp(pod);
    t.like(await exec(fx, id, ['cat', '/etc/app/app.conf']), { stdout: 'two', exitCode: 0 }, 'the running container sees the swapped ..data');

    t.like(await exec(fx, id, ['sh', '-c', 'echo hello > /data/f']), { exitCode: 0 });
    t.is(await readFile(join(volumes.paths.get('data')!, 'app', 'f'), 'utf8'), 'hello\n');

    await fx.cri.runtime.stopContainer({ containerId: id, timeout: 0 });
    await fx.cri.runtime.removeContainer({ containerId: id });
    await vm.tearDown(pod.metadata.uid!);
    t.deepEqual(parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((m) => m.target.startsWith(`${root}/`)), []);
  });
}
