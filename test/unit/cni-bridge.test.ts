import test from 'ava';
import { bridgePlugin } from '../../cni-plugins/bridge/bridge.js';
import { nftMasquerade } from '../../cni-plugins/bridge/nat.js';
import { hostLocalPlugin } from '../../cni-plugins/host-local/host-local.js';
import { MemoryStore } from '../../cni-plugins/host-local/store.js';
import { cniEnv, InProcessRunner } from '../../src/cni/exec.js';
import { runSkel } from '../../src/cni/skel.js';
import type { NetConf } from '../../src/cni/types.js';
import { fakeHost } from '../../src/host/index.js';

// skiff-bridge against the fake kernel, with skiff-host-local in memory as its IPAM: the
// plugin's decisions without root.

function setup() {
  const host = fakeHost();
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
  t.like(links.find((l) => l.name === 'cni0'), { kind: 'bridge', up: true });
  t.is(links.filter((l) => l.master === 'cni0').length, 1);
  t.deepEqual((await host.netlink.addrs(undefined, 4)).filter((a) => a.dev === 'cni0').map((a) => a.cidr), ['10.244.3.1/24']);
  t.deepEqual((await host.netlink.routes('/run/netns/pod1')).map((r) => `${r.dst} ${r.via}`).sort(), ['10.244.3.0/24 ', 'default 10.244.3.1']);
  t.is(await host.sysctl.get('net.ipv4.ip_forward'), '1');
  const masq = await host.nft.listTable('ip', 'skiff-bridge');
  t.deepEqual(masq.sets.find((s) => s.name === 'masq_src')?.elements.map((e) => e.key), [['10.244.3.2']]);
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
