import { readdir } from 'node:fs/promises';
import test from 'ava';
import { builtinRunner } from '../../src/cni/builtins.js';
import type { NetConf } from '../../src/cni/types.js';
import { host, invoke, netns, OURS, REFERENCE, runnerIn, tempDir } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { tcpGet, tcpServer } from '../helpers/process.js';
import { rootOnly } from '../helpers/root.js';

// skiff-bridge exec'd as a runtime would, in a private node namespace.
const rt = rootOnly(test);
const ipam = 'skiff-host-local';
const conf = (dataDir: string, extra: Partial<NetConf> = {}): NetConf => ({
  cniVersion: '1.1.0', name: 'brtest', type: 'skiff-bridge', bridge: 'cni0', isGateway: true,
  ipam: { type: ipam, ranges: [[{ subnet: '10.244.50.0/24' }]], dataDir }, ...extra,
});
const reservations = async (dataDir: string) => (await readdir(`${dataDir}/brtest`).catch(() => [] as string[])).filter((f) => /^\d/.test(f));

if (isRoot) {
  rt('two pods on one bridge reach each other over TCP', async (t) => {
    const [node, a, b, data] = [await netns(t, 'n'), await netns(t, 'a'), await netns(t, 'b'), await tempDir(t)];
    const run = (containerId: string, pod: string) => invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf: conf(data), containerId, netns: pod });
    const [ra, rb] = [await run('pod-a', a), await run('pod-b', b)];
    t.is(ra.exitCode, 0, ra.stdout);
    t.is(rb.exitCode, 0, rb.stdout);
    const ipA = (ra.json as { ips: { address: string }[] }).ips[0]!.address.split('/')[0]!;
    await tcpServer(t, a, 8080, 'hello from a');
    t.is(await tcpGet(b, ipA, 8080), 'hello from a');
  });

  rt('macspoofchk: a pod that changes its MAC is cut off; DEL removes its entries', async (t) => {
    const [node, a, b, data] = [await netns(t, 'n'), await netns(t, 'a'), await netns(t, 'b'), await tempDir(t)];
    const c = conf(data, { macspoofchk: true });
    const run = (command: 'ADD' | 'DEL', containerId: string, pod: string) => invoke(runnerIn(node), [OURS, REFERENCE], { command, conf: c, containerId, netns: pod });
    const [ra, rb] = [await run('ADD', 'pod-a', a), await run('ADD', 'pod-b', b)];
    t.is(ra.exitCode, 0, ra.stdout);
    const ipB = (rb.json as { ips: { address: string }[] }).ips[0]!.address.split('/')[0]!;
    await tcpServer(t, b, 8080, 'b');
    t.is(await tcpGet(a, ipB, 8080), 'b');
    await host.netlink.apply([{ op: 'link.set', name: 'eth0', up: false, mac: '02:66:66:66:66:66' }, { op: 'link.set', name: 'eth0', up: true }], a);
    t.regex(await tcpGet(a, ipB, 8080, 1000), /^ERR/);
    t.is((await run('DEL', 'pod-a', a)).exitCode, 0);
    const left = await host.nft.listTable('bridge', 'skiff-macspoof', node);
    t.is(left.sets.flatMap((set) => set.elements).length, 2, 'only pod-b\'s two elements remain');
  });

  rt('a failure midway through ADD takes back the veth and the IP reservation', async (t) => {
    const [node, pod, data] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
    // The IPAM hands out a route through a gateway the pod cannot reach: the last step fails.
    const bad = conf(data, { ipam: { type: ipam, ranges: [[{ subnet: '10.244.51.0/24' }]], routes: [{ dst: '10.97.0.0/16', gw: '192.0.2.1' }], dataDir: data } });
    const out = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf: bad, containerId: 'c1', netns: pod });
    t.is(out.exitCode, 1);
    t.regex(out.stdout, /unreachable/i);
    t.deepEqual((await host.netlink.links(pod)).map((l) => l.name), ['lo']);
    t.deepEqual((await host.netlink.links(node)).filter((l) => l.kind === 'veth'), []);
    t.deepEqual(await reservations(data), []);
  });

  rt('in-process: the result names the MACs the kernel has, the bridge one too, which its ports change', async (t) => {
    const [node, data] = [await netns(t, 'n'), await tempDir(t)];
    const runner = builtinRunner({ ...host, hostNetns: node, fallback: runnerIn(node) });
    // A bridge without a MAC of its own takes the lowest of its ports' (random) MACs: the first
    // ADD changes it, and a later one may; the result must show it as it is after the port joined.
    for (let i = 0; i < 3; i++) {
      const pod = await netns(t, `p${i}`);
      const out = await invoke(runner, [OURS, REFERENCE], { command: 'ADD', conf: conf(data), containerId: `c${i}`, netns: pod });
      t.is(out.exitCode, 0, out.stdout);
      const [nodeLinks, podLinks] = [await host.netlink.links(node), await host.netlink.links(pod)];
      const ifs = (out.json as { interfaces: { name: string; mac: string; sandbox?: string }[] }).interfaces;
      t.deepEqual([ifs[0]!.name, nodeLinks.find((l) => l.name === ifs[1]!.name)?.master, ifs[2]!.name], ['cni0', 'cni0', 'eth0']);
      for (const itf of ifs) t.is((itf.sandbox ? podLinks : nodeLinks).find((l) => l.name === itf.name)?.mac, itf.mac, itf.name);
    }
  });

  rt('CHECK passes after ADD and fails when the pod lost its address', async (t) => {
    const [node, pod, data] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
    const c = conf(data);
    const add = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf: c, containerId: 'c1', netns: pod });
    const check = (prevResult: unknown) => invoke(runnerIn(node), [OURS, REFERENCE], { command: 'CHECK', conf: { ...c, prevResult }, containerId: 'c1', netns: pod });
    t.is((await check(add.json)).exitCode, 0);
    const address = (add.json as { ips: { address: string }[] }).ips[0]!.address;
    await host.netlink.apply([{ op: 'addr.del', dev: 'eth0', cidr: address }], pod);
    const failed = await check(add.json);
    t.is(failed.exitCode, 1);
    t.regex(failed.stdout, /missing/);
  });

  rt('bad configs are refused with code 7 naming the field, and change nothing', async (t) => {
    const [node, pod, data] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
    const cases: [Partial<NetConf>, RegExp][] = [
      [{ bridge: 'a-bridge-name-too-long' }, /bridge/],
      [{ mtu: 10 }, /mtu/],
      [{ hairpinMode: true, promiscMode: true }, /hairpin/],
      [{ isGateway: 'yes' }, /isGateway/],
      [{ ipam: { type: '' } }, /ipam/],
    ];
    for (const [extra, field] of cases) {
      const out = await invoke(runnerIn(node), [OURS, REFERENCE], { command: 'ADD', conf: conf(data, extra), containerId: 'c1', netns: pod });
      const err = out.json as { code: number; msg: string; details?: string };
      t.is(err.code, 7, JSON.stringify(extra));
      t.regex(`${err.msg} ${err.details ?? ''}`, field);
    }
    t.deepEqual((await host.netlink.links(node)).map((l) => l.name), ['lo']);
  });
}
