import test from 'ava';
import { bridgePlugin } from '../../../cni-plugins/bridge/bridge.js';
import { nftMasquerade } from '../../../cni-plugins/bridge/nat.js';
import { hostLocalPlugin } from '../../../cni-plugins/host-local/host-local.js';
import { MemoryStore } from '../../../cni-plugins/host-local/store.js';
import { cniEnv, InProcessRunner } from '../../../src/cni/exec.js';
import { runSkel } from '../../../src/cni/skel.js';
import type { NetConf } from '../../../src/cni/types.js';
import { FakeKernel, type FakeKernelOptions } from '../../../src/host/fake-kernel.js';
import { fakeHost } from '../../../src/host/index.js';
import { trace } from '../../../src/host/nft/trace.js';

// skiff-bridge against the fake kernel, with skiff-host-local in memory as its IPAM: the
// plugin's decisions without root.

function setup(kernel: FakeKernelOptions = {}) {
  const host = fakeHost(new FakeKernel(kernel));
  const stores = new Map<string, MemoryStore>();
  const ipam = hostLocalPlugin({ openStore: (dir) => stores.get(dir) ?? stores.set(dir, new MemoryStore()).get(dir)!, readFile: async () => '' });
  const plugins = new Map([['skiff-host-local', ipam]]);
  const runner = new InProcessRunner(plugins);
  const bridge = bridgePlugin({ netlink: host.netlink, sysctl: host.sysctl, runner, masq: nftMasquerade(host.nft) });
  plugins.set('skiff-bridge', bridge);
  const call = async (command: 'ADD' | 'DEL' | 'CHECK', containerId: string, netns: string, conf: NetConf) => {
    const out = await runSkel(bridge, { env: cniEnv(command, { containerId, netns, ifname: 'eth0', path: ['/opt/cni/bin'] }), stdin: JSON.stringify(conf) });
    return { ...out, json: out.stdout ? JSON.parse(out.stdout) : undefined };
  };
  return { host, call, stores };
}

const conf = (extra: Partial<NetConf> = {}): NetConf => ({
  cniVersion: '1.1.0', name: 'unit', type: 'skiff-bridge', bridge: 'cni0', isDefaultGateway: true, ipMasq: true,
  ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], dataDir: '/var/lib/cni/networks' }, ...extra,
});

test('ADD: bridge with the gateway, veth into the pod, address and default route inside, forwarding on', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  const out = await call('ADD', 'c1', '/run/netns/pod1', conf());
  t.is(out.exitCode, 0, out.stdout);
  t.like(out.json, { ips: [{ address: '10.244.3.2/24', gateway: '10.244.3.1', interface: 2 }], routes: [{ dst: '0.0.0.0/0', gw: '10.244.3.1' }] });
  const links = await host.netlink.links();
  t.like(links.find((l) => l.name === 'cni0'), { kind: 'bridge', up: true, vlanFiltering: false });
  t.is(links.filter((l) => l.master === 'cni0').length, 1);
  t.deepEqual((await host.netlink.addrs(undefined, 4)).filter((a) => a.dev === 'cni0').map((a) => a.cidr), ['10.244.3.1/24']);
  t.deepEqual((await host.netlink.routes('/run/netns/pod1')).map((r) => `${r.dst} ${r.via}`).sort(), ['10.244.3.0/24 ', 'default 10.244.3.1']);
  t.is(await host.sysctl.get('net.ipv4.ip_forward'), '1');
  const masq = await host.nft.listTable('ip', 'skiff-bridge');
  t.deepEqual(masq.sets.find((s) => s.name === 'masq_src')?.elements.map((e) => e.key), [['10.244.3.2']]);
});

test('ipMasq traced: the pod going off its network is masqueraded; within it, to multicast, or from other sources, not', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  t.is((await call('ADD', 'c1', '/run/netns/pod1', conf())).exitCode, 0);
  const from = (src: string, dst: string) => trace(host.nft, { src, dst, proto: 'udp', iif: 'cni0', oif: 'eth0' });
  t.deepEqual(from('10.244.3.2', '192.0.2.53:53'), ['MASQUERADE']);
  t.deepEqual(from('10.244.3.2', '10.244.3.9:53'), [], 'its own network');
  t.deepEqual(from('10.244.3.2', '224.0.0.251:5353'), [], 'multicast');
  t.deepEqual(from('10.244.3.77', '192.0.2.53:53'), [], 'not a pod of this plugin');
  t.is((await call('DEL', 'c1', '/run/netns/pod1', conf())).exitCode, 0);
  t.deepEqual(from('10.244.3.2', '192.0.2.53:53'), [], 'gone with the DEL');
});

test('ADD refuses an existing container interface, and a bridge name taken by another kind', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  await host.netlink.apply([{ op: 'link.add', name: 'eth0', kind: 'bridge' }], '/run/netns/pod1');
  t.regex((await call('ADD', 'c1', '/run/netns/pod1', conf())).json.msg, /already exists/);
  await host.netlink.apply([{ op: 'link.add', name: 'cni1', kind: 'veth', peer: { name: 'x1' } }]);
  await host.netns.create({ net: '/run/netns/pod2' });
  t.regex((await call('ADD', 'c2', '/run/netns/pod2', conf({ bridge: 'cni1' }))).json.msg, /not a bridge/);
});

test('a failed ADD leaves no veth, no reservation and no masquerade entry', async (t) => {
  const { host, call, stores } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  const bad = conf({ ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], routes: [{ dst: '10.97.0.0/16', gw: '192.0.2.1' }], dataDir: '/d' } });
  const out = await call('ADD', 'c1', '/run/netns/pod1', bad);
  t.is(out.exitCode, 1);
  t.deepEqual((await host.netlink.links()).filter((l) => l.kind === 'veth'), []);
  t.deepEqual((await host.netlink.links('/run/netns/pod1')).map((l) => l.name), ['lo']);
  t.deepEqual([...stores.get('/d/unit')!.files.keys()], [], 'the reservation was released');
  t.deepEqual((await host.nft.listTable('ip', 'skiff-bridge').catch(() => ({ sets: [] }))).sets.flatMap((s) => s.elements), []);
});

test('a failed last step (MAC spoof check) takes back every step before it, newest first, logging an undo that fails', async (t) => {
  const host = fakeHost(new FakeKernel());
  const store = new MemoryStore();
  const plugins = new Map([['skiff-host-local', hostLocalPlugin({ openStore: () => store, readFile: async () => '' })]]);
  const masq = nftMasquerade(host.nft);
  const undone: string[] = [];
  const bridge = bridgePlugin({
    netlink: host.netlink, sysctl: host.sysctl, runner: new InProcessRunner(plugins),
    masq: { ...masq, del: async () => { undone.push('masq'); throw new Error('nft is gone'); } },
    spoof: { add: async () => { throw new Error('no bridge family'); }, del: async () => {}, gc: async () => {} },
  });
  await host.netns.create({ net: '/run/netns/pod1' });
  const log: string[] = [];
  const out = await runSkel(bridge, {
    env: cniEnv('ADD', { containerId: 'c1', netns: '/run/netns/pod1', ifname: 'eth0', path: ['/opt/cni/bin'] }),
    stdin: JSON.stringify(conf({ macspoofchk: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], dataDir: '/d' } })),
    stderr: (line) => log.push(line),
  });
  t.is(out.exitCode, 1);
  t.is(JSON.parse(out.stdout).msg, 'no bridge family');
  t.deepEqual(undone, ['masq'], 'the masquerade entry was taken back');
  t.deepEqual(log, ['rollback: delete the masquerade entry: nft is gone']);
  t.deepEqual([...store.files.keys()], [], 'the reservation was released after the failed undo');
  t.deepEqual((await host.netlink.links()).filter((l) => l.kind === 'veth'), [], 'and the veth deleted last');
  t.deepEqual((await host.netlink.links('/run/netns/pod1')).map((l) => l.name), ['lo']);
});

test('the gateway: a failed ADD adds none; a later ADD turns forwarding on again; another address of that subnet is refused', async (t) => {
  const { host, call, stores } = setup();
  const forwarding = () => host.sysctl.get('net.ipv4.ip_forward');
  const gateways = async (dev: string) => (await host.netlink.addrs(undefined, 4)).filter((a) => a.dev === dev).map((a) => a.cidr);
  for (const pod of ['pod1', 'pod2', 'pod3', 'pod4']) await host.netns.create({ net: `/run/netns/${pod}` });
  const bad = conf({ ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], routes: [{ dst: '10.97.0.0/16', gw: '192.0.2.1' }], dataDir: '/d' } });
  t.is((await call('ADD', 'c1', '/run/netns/pod1', bad)).exitCode, 1);
  t.deepEqual(await gateways('cni0'), [], 'the pod side failed first: no gateway, as the reference');
  t.is(await forwarding(), '0');
  t.is((await call('ADD', 'c2', '/run/netns/pod2', conf())).exitCode, 0);
  t.deepEqual(await gateways('cni0'), ['10.244.3.1/24']);
  t.is(await forwarding(), '1');
  await host.netlink.apply([{ op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '0' }]);
  t.is((await call('ADD', 'c3', '/run/netns/pod3', conf())).exitCode, 0);
  t.deepEqual(await gateways('cni0'), ['10.244.3.1/24']);
  t.is(await forwarding(), '1', 'set on every ADD, also when the gateway is there');
  await host.netlink.apply([{ op: 'link.add', name: 'cni9', kind: 'bridge' }, { op: 'addr.add', dev: 'cni9', cidr: '10.244.9.254/24' }]);
  const other = conf({ bridge: 'cni9', ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.9.0/24' }]], dataDir: '/e' } });
  const out = await call('ADD', 'c4', '/run/netns/pod4', other);
  t.is(out.exitCode, 1);
  t.is(out.json.msg, '"cni9" already has an IP address different from 10.244.9.1/24');
  t.deepEqual(await gateways('cni9'), ['10.244.9.254/24']);
  t.deepEqual((await host.netlink.links('/run/netns/pod4')).map((l) => l.name), ['lo']);
  t.deepEqual([...stores.get('/e/unit')!.files.keys()], []);
});

test('DEL is idempotent and works when the netns is gone', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  await call('ADD', 'c1', '/run/netns/pod1', conf());
  t.is((await call('DEL', 'c1', '/run/netns/pod1', conf())).exitCode, 0);
  t.is((await call('DEL', 'c1', '/run/netns/pod1', conf())).exitCode, 0);
  await host.netns.create({ net: '/run/netns/pod2' });
  await call('ADD', 'c2', '/run/netns/pod2', conf());
  await host.netns.remove('/run/netns/pod2');
  t.is((await call('DEL', 'c2', '/run/netns/pod2', conf())).exitCode, 0);
  const masq = await host.nft.listTable('ip', 'skiff-bridge');
  t.deepEqual(masq.sets.flatMap((s) => s.elements), []);
});

const vlanConf = (vlan: number, subnet: string, extra: Partial<NetConf> = {}): NetConf =>
  conf({ name: `vlan${vlan}`, vlan, isGateway: true, isDefaultGateway: false, ipMasq: false, ipam: { type: 'skiff-host-local', ranges: [[{ subnet }]], dataDir: '/d' }, ...extra });

/** The VLANs of each port of cni0 and of the bridge, keyed by what the port leads to. */
async function vlanLayout(host: ReturnType<typeof setup>['host']) {
  const [links, vlans] = [await host.netlink.links(), await host.netlink.bridgeVlans()];
  const show = (dev: string) => vlans.filter((v) => v.dev === dev).map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`).join(', ');
  return links.filter((l) => l.master === 'cni0' || l.name === 'cni0').map((l) => {
    const peer = links.find((p) => p.index === l.parent && p.parent === l.index);
    return `${l.name === 'cni0' ? 'cni0' : peer ? `port of ${peer.name}` : 'port of a pod'}: ${show(l.name)}`;
  }).sort();
}

test('ADD with vlan: a filtering bridge, the pod an access port of the VLAN, the gateway on <bridge>.<vlan>', async (t) => {
  const { host, call } = setup();
  for (const pod of ['pod1', 'pod2', 'pod3']) await host.netns.create({ net: `/run/netns/${pod}` });
  const a = await call('ADD', 'c1', '/run/netns/pod1', vlanConf(100, '10.244.10.0/24'));
  t.is(a.exitCode, 0, a.stdout);
  t.like(a.json, { ips: [{ address: '10.244.10.2/24', gateway: '10.244.10.1', interface: 2 }] });
  t.deepEqual(a.json.interfaces.map((i: { name: string }) => i.name.replace(/^veth[0-9a-f]{8}$/, 'VETH')), ['cni0', 'VETH', 'eth0', 'cni0.100']);
  const links = await host.netlink.links();
  t.like(links.find((l) => l.name === 'cni0'), { vlanFiltering: true, up: true });
  t.like(links.find((l) => l.name === 'cni0.100'), { kind: 'veth', up: true, master: '' });
  t.is(a.json.interfaces[3].mac, links.find((l) => l.name === 'cni0.100')!.mac);
  const addrs = (await host.netlink.addrs(undefined, 4)).filter((x) => x.dev.startsWith('cni0'));
  t.deepEqual(addrs.map((x) => `${x.dev} ${x.cidr}`), ['cni0.100 10.244.10.1/24'], 'the bridge itself holds no gateway');
  t.is(await host.sysctl.get('net.ipv4.ip_forward'), '1');

  // A second pod of VLAN 100 reuses the gateway link; a pod of VLAN 200 gets its own.
  t.is((await call('ADD', 'c2', '/run/netns/pod2', vlanConf(100, '10.244.10.0/24'))).exitCode, 0);
  const c = await call('ADD', 'c3', '/run/netns/pod3', vlanConf(200, '10.244.20.0/24'));
  t.is(c.exitCode, 0, c.stdout);
  t.deepEqual(await vlanLayout(host), [
    'cni0: 1 pvid untagged',
    'port of a pod: 1 untagged, 100 pvid untagged',
    'port of a pod: 1 untagged, 100 pvid untagged',
    'port of a pod: 1 untagged, 200 pvid untagged',
    'port of cni0.100: 1 untagged, 100 pvid untagged',
    'port of cni0.200: 1 untagged, 200 pvid untagged',
  ]);

  // DEL takes the pod's veth; the gateway link stays for the next pod, as the bridge does.
  t.is((await call('DEL', 'c1', '/run/netns/pod1', vlanConf(100, '10.244.10.0/24'))).exitCode, 0);
  t.is((await call('CHECK', 'c3', '/run/netns/pod3', { ...vlanConf(200, '10.244.20.0/24'), prevResult: c.json })).exitCode, 0);
  t.true((await host.netlink.links()).some((l) => l.name === 'cni0.100'));
});

test('ADD with vlan on an existing bridge keeps its filtering setting, as the reference', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  await host.netns.create({ net: '/run/netns/pod2' });
  t.is((await call('ADD', 'c1', '/run/netns/pod1', conf())).exitCode, 0);
  const out = await call('ADD', 'c2', '/run/netns/pod2', vlanConf(100, '10.244.10.0/24', { isGateway: false }));
  t.is(out.exitCode, 0, out.stdout);
  t.like((await host.netlink.links()).find((l) => l.name === 'cni0'), { vlanFiltering: false });
  t.is(out.json.interfaces.length, 3, 'no gateway link without isGateway');
  t.true((await vlanLayout(host)).includes('port of a pod: 1 untagged, 100 pvid untagged'));
});

test('vlan out of 0..4094 is an invalid config', async (t) => {
  const { host, call } = setup();
  await host.netns.create({ net: '/run/netns/pod1' });
  for (const vlan of [-1, 4095, 1.5]) {
    const out = await call('ADD', 'c1', '/run/netns/pod1', vlanConf(vlan, '10.244.10.0/24'));
    t.like(out.json, { code: 7, msg: `invalid VLAN ID ${vlan} (must be between 0 and 4094)` });
  }
});

test('a kernel without bridge VLAN filtering: ADD with vlan fails, says why, and leaves nothing behind', async (t) => {
  const { host, call, stores } = setup({ bridgeVlanFiltering: false });
  await host.netns.create({ net: '/run/netns/pod1' });
  const fresh = await call('ADD', 'c1', '/run/netns/pod1', vlanConf(100, '10.244.10.0/24'));
  t.is(fresh.json.code, 5);
  t.regex(fresh.json.msg, /^failed to create bridge "cni0": .*Operation not supported/);
  t.regex(fresh.json.details, /CONFIG_BRIDGE_VLAN_FILTERING/);
  t.deepEqual((await host.netlink.links()).map((l) => l.name), ['lo']);
  t.false(stores.has('/d/vlan100'), 'IPAM never ran');
  // With the bridge already there (a plain network made it), the VLAN tag is what fails.
  t.is((await call('ADD', 'c0', '/run/netns/pod1', conf())).exitCode, 0);
  await host.netns.create({ net: '/run/netns/pod2' });
  const before = (await host.netlink.links()).map((l) => l.name);
  const tagged = await call('ADD', 'c2', '/run/netns/pod2', vlanConf(100, '10.244.10.0/24'));
  t.is(tagged.json.code, 5);
  t.regex(tagged.json.msg, /vlan tag.*Operation not supported/);
  t.deepEqual((await host.netlink.links()).map((l) => l.name), before, 'no veth left');
  t.deepEqual((await host.netlink.links('/run/netns/pod2')).map((l) => l.name), ['lo']);
  t.deepEqual([...(stores.get('/d/vlan100')?.files.keys() ?? [])], []);
});
