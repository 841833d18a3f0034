import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import test from 'ava';
import type { NetConf } from '../../src/cni/types.js';
import { bridgeState, invoke, netns, normalize, OURS, REFERENCE, runnerIn, tempDir } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// Our plugins and the reference plugins (Debian's containernetworking-plugins) on identical
// configs, each in a private "node" namespace: same result JSON, same kernel state, and
// either one's bridge works with the other's host-local.

const haveReference = existsSync(`${REFERENCE}/bridge`);
const rt = rootOnly(test);
if (isRoot && !haveReference) test.skip('SKIPPED: reference CNI plugins missing (apt-get install containernetworking-plugins)', () => {});

function bridgeConf(type: string, ipamType: string, dataDir: string, extra: Partial<NetConf> = {}): NetConf {
  return {
    cniVersion: '1.0.0', name: 'interop', type, bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true, mtu: 1400,
    ipam: { type: ipamType, ranges: [[{ subnet: '10.244.40.0/24' }]], routes: [{ dst: '10.96.0.0/12' }], dataDir },
    ...extra,
  };
}

if (isRoot && haveReference) {
  for (const ipam of ['host-local', 'skiff-host-local']) {
    rt(`skiff-bridge and the reference bridge (ipam ${ipam}) give the same result and kernel state`, async (t) => {
      const sides = await Promise.all(['skiff-bridge', 'bridge'].map(async (type) => {
        const [node, pod, data] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
        const out = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf: bridgeConf(type, ipam, data), containerId: 'c1', netns: pod });
        t.is(out.exitCode, 0, `${type}: ${out.stdout}`);
        return { result: normalize(out.json), state: await bridgeState(node, pod, 'cni0') };
      }));
      t.deepEqual(sides[0]!.result, sides[1]!.result);
      t.deepEqual(sides[0]!.state, sides[1]!.state);
    });
  }

  rt('the reference bridge works with skiff-host-local, and skiff-bridge with the reference host-local', async (t) => {
    for (const [type, ipam] of [['bridge', 'skiff-host-local'], ['skiff-bridge', 'host-local']] as const) {
      const [node, pod, data] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
      const conf = bridgeConf(type, ipam, data);
      const add = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf, containerId: 'c1', netns: pod });
      t.is(add.exitCode, 0, add.stdout);
      t.like(add.json, { ips: [{ address: '10.244.40.2/24', gateway: '10.244.40.1', interface: 2 }] });
      const del = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'DEL', conf, containerId: 'c1', netns: pod });
      t.is(del.exitCode, 0, del.stdout);
      t.deepEqual((await readdir(`${data}/interop`)).filter((f) => /^\d/.test(f)), [], `${type}+${ipam}: reservation freed`);
    }
  });

  rt('DEL twice succeeds; DEL after the netns is gone succeeds and frees the address', async (t) => {
    const [node, data] = [await netns(t, 'n'), await tempDir(t)];
    const conf = bridgeConf('skiff-bridge', 'host-local', data);
    const run = (command: 'ADD' | 'DEL', containerId: string, pod: string) => invoke(runnerIn(node), [OURS, REFERENCE], { command, conf, containerId, netns: pod });
    const pod1 = await netns(t, 'p');
    t.is((await run('ADD', 'c1', pod1)).exitCode, 0);
    t.is((await run('DEL', 'c1', pod1)).exitCode, 0);
    t.is((await run('DEL', 'c1', pod1)).exitCode, 0);
    const pod2 = await netns(t, 'p');
    const add2 = await run('ADD', 'c2', pod2);
    t.like(add2.json, { ips: [{ address: '10.244.40.3/24' }] });
    const { host } = await import('../helpers/cni.js');
    await host.netns.remove(pod2);
    t.is((await run('DEL', 'c2', pod2)).exitCode, 0);
    t.deepEqual((await readdir(`${data}/interop`)).filter((f) => /^\d/.test(f)), []);
  });
}
