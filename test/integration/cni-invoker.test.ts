import { readdir, rm, writeFile } from 'node:fs/promises';
import test from 'ava';
import { builtinRunner } from '../../src/cni/builtins.js';
import { CniInvoker } from '../../src/cni/invoker/invoker.js';
import { loadConfDir } from '../../src/cni/invoker/conflist.js';
import type { NetConfList } from '../../src/cni/types.js';
import { bridgeState, host, netns, normalize, OURS, REFERENCE, runnerIn, tempDir } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// The runtime side: conflists from a dir, chained ADD, cached DEL/CHECK, GC; exec'd and in-process.
const rt = rootOnly(test);
const ipam = 'skiff-host-local';
const version = '1.1.0';

function podNetwork(dataDir: string, subnet = '10.244.60.0/24'): NetConfList {
  return {
    cniVersion: version, name: 'pods',
    plugins: [{ type: 'skiff-bridge', cniVersion: version, name: 'pods', bridge: 'cni0', isGateway: true, isDefaultGateway: true, ipam: { type: ipam, ranges: [[{ subnet }]], dataDir } }],
  };
}

const reservations = async (dataDir: string) => (await readdir(`${dataDir}/pods`).catch(() => [] as string[])).filter((f) => /^\d/.test(f)).sort();

if (isRoot) {
  rt('conflists load from a dir in name order; broken files are reported, not fatal', async (t) => {
    const dir = await tempDir(t);
    await writeFile(`${dir}/10-pods.conflist`, JSON.stringify(podNetwork('/tmp/x')));
    await writeFile(`${dir}/20-single.conf`, JSON.stringify({ cniVersion: '1.0.0', name: 'single', type: 'skiff-loopback' }));
    await writeFile(`${dir}/30-broken.conflist`, '{ "name": ');
    await writeFile(`${dir}/40-noplugins.conflist`, JSON.stringify({ cniVersion: '1.0.0', name: 'empty', plugins: [] }));
    const { lists, errors } = await loadConfDir(dir);
    t.deepEqual(lists.map((l) => [l.list.name, l.list.plugins.length]), [['pods', 1], ['single', 1]]);
    t.deepEqual(errors.map((e) => [e.file.split('/').pop(), e.error.code]), [['30-broken.conflist', 6], ['40-noplugins.conflist', 7]]);
  });

  for (const mode of ['exec', 'in-process'] as const) {
    rt(`${mode}: ADD caches, CHECK uses the cache, DEL works with and without it`, async (t) => {
      const [node, pod, data, cache] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t), await tempDir(t)];
      const runner = mode === 'exec' ? runnerIn(node) : builtinRunner({ ...host, hostNetns: node, fallback: runnerIn(node) });
      const cni = new CniInvoker({ runner, paths: [OURS, REFERENCE], cacheDir: cache });
      const list = podNetwork(data);
      const rtc = { containerId: 'c1', netns: pod, ifname: 'eth0', args: { IgnoreUnknown: '1', K8S_POD_NAME: 'web' } };
      const result = await cni.add(list, rtc);
      t.like(result, { cniVersion: version, ips: [{ address: '10.244.60.2/24', gateway: '10.244.60.1' }] });
      t.deepEqual(await readdir(`${cache}/results`), ['pods-c1-eth0']);
      await cni.check(list, rtc);
      await cni.del(list, rtc);
      t.deepEqual(await readdir(`${cache}/results`), []);
      t.deepEqual(await reservations(data), []);
      // Without the cache (a runtime that lost its state): DEL still frees what ADD took.
      const pod2 = await netns(t, 'p');
      await cni.add(list, { ...rtc, containerId: 'c2', netns: pod2 });
      await rm(`${cache}/results`, { recursive: true });
      await cni.del(list, { ...rtc, containerId: 'c2', netns: pod2 });
      t.deepEqual(await reservations(data), []);
      await t.throwsAsync(cni.check(list, { ...rtc, containerId: 'c2', netns: pod2 }), { message: /no cached result/ });
    });
  }

  rt('in-process and exec\'d give identical results and kernel state', async (t) => {
    const sides = await Promise.all((['exec', 'in-process'] as const).map(async (mode) => {
      const [node, pod, data, cache] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t), await tempDir(t)];
      const runner = mode === 'exec' ? runnerIn(node) : builtinRunner({ ...host, hostNetns: node, fallback: runnerIn(node) });
      const result = await new CniInvoker({ runner, paths: [OURS, REFERENCE], cacheDir: cache }).add(podNetwork(data), { containerId: 'c1', netns: pod, ifname: 'eth0' });
      return { result: normalize(result), state: await bridgeState(node, pod, 'cni0') };
    }));
    t.deepEqual(sides[0], sides[1]);
  });

  rt('GC deletes cached attachments the runtime no longer has and keeps the rest', async (t) => {
    const [node, data, cache] = [await netns(t, 'n'), await tempDir(t), await tempDir(t)];
    const cni = new CniInvoker({ runner: runnerIn(node), paths: [OURS, REFERENCE], cacheDir: cache });
    const list = podNetwork(data);
    const pods = await Promise.all(['a', 'b', 'c'].map(async (id) => ({ id, ns: await netns(t, id) })));
    for (const p of pods) await cni.add(list, { containerId: p.id, netns: p.ns, ifname: 'eth0' });
    const { deleted, errors } = await cni.gc(list, [{ containerID: 'b', ifname: 'eth0' }]);
    t.deepEqual(errors, []);
    t.deepEqual(deleted.map((d) => d.containerID).sort(), ['a', 'c']);
    t.deepEqual(await readdir(`${cache}/results`), ['pods-b-eth0']);
    t.deepEqual(await reservations(data), ['10.244.60.3']);
    t.deepEqual((await host.netlink.links(pods[0]!.ns)).map((l) => l.name), ['lo']);
    await cni.status(list);
  });
}
