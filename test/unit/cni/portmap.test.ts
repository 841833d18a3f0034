import test from 'ava';
import { parseConf } from '../../../cni-plugins/portmap/config.js';
import { portmapPlugin, routeDev } from '../../../cni-plugins/portmap/portmap.js';
import { desiredEntries, ownerTag, TABLE } from '../../../cni-plugins/portmap/rules.js';
import { runSkel } from '../../../src/cni/skel.js';
import type { NetConf } from '../../../src/cni/types.js';
import { fakeHost } from '../../../src/host/index.js';
import { FakeConntrack, FakeNft } from '../../../src/host/nft/fake.js';
import { parseTable } from '../../../src/host/nft/json.js';
import { Transaction } from '../../../src/host/nft/transaction.js';
import { trace } from '../../../src/host/nft/trace.js';
import type { Family, ListedElement, Nft } from '../../../src/host/nft/types.js';

// skiff-portmap without root: the transaction builder, nft JSON parsing, config checks and
// element planning as pure functions; the plugin in-process through the real skel against
// the fake nft and conntrack over one fake kernel (a pinned "node" namespace).

type Json = Record<string, any>;

// ---- the transaction builder -------------------------------------------------------------

test('transaction: one op per line, in nft syntax', (t) => {
  const tx = new Transaction()
    .add({ kind: 'table', family: 'ip', name: 'demo', comment: 'a demo' })
    .add({ kind: 'chain', family: 'ip', table: 'demo', name: 'pre', type: 'nat', hook: 'prerouting', priority: 'dstnat' })
    .add({ kind: 'map', family: 'ip', table: 'demo', name: 'm', type: 'inet_proto . inet_service', value: 'ipv4_addr . inet_service' })
    .flush({ kind: 'chain', family: 'ip', table: 'demo', name: 'pre' })
    .add({ kind: 'rule', family: 'ip', table: 'demo', chain: 'pre', rule: 'dnat ip addr . port to meta l4proto . th dport map @m', comment: 'x' })
    .add({ kind: 'element', family: 'ip', table: 'demo', map: 'm', key: ['tcp', '80'], value: ['10.244.0.5', '8080'], comment: 'ctr' })
    .delete({ kind: 'element', family: 'ip', table: 'demo', map: 'm', key: ['tcp', '80'] })
    .delete({ kind: 'rule', family: 'ip', table: 'demo', chain: 'pre', handle: 7 });
  t.is(tx.err, undefined);
  t.deepEqual(tx.toString().split('\n'), [
    'add table ip demo { comment "a demo" ; }',
    'add chain ip demo pre { type nat hook prerouting priority dstnat ; }',
    'add map ip demo m { type inet_proto . inet_service : ipv4_addr . inet_service ; }',
    'flush chain ip demo pre',
    'add rule ip demo pre dnat ip addr . port to meta l4proto . th dport map @m comment "x"',
    'add element ip demo m { tcp . 80 comment "ctr" : 10.244.0.5 . 8080 }',
    'delete element ip demo m { tcp . 80 }',
    'delete rule ip demo pre handle 7',
    '',
  ]);
});

test('transaction: the first invalid op poisons it; later ops are ignored', async (t) => {
  const bad: [string, (tx: Transaction) => void][] = [
    ['table name', (tx) => tx.add({ kind: 'table', family: 'ip', name: 'bad name' })],
    ['family', (tx) => tx.add({ kind: 'table', family: 'ipx' as Family, name: 't' })],
    ['comment quote', (tx) => tx.add({ kind: 'table', family: 'ip', name: 't', comment: 'a"b' })],
    ['comment length', (tx) => tx.add({ kind: 'table', family: 'ip', name: 't', comment: 'x'.repeat(129) })],
    ['rule injection', (tx) => tx.add({ kind: 'rule', family: 'ip', table: 't', chain: 'c', rule: 'accept; flush ruleset' })],
    ['rule newline', (tx) => tx.add({ kind: 'rule', family: 'ip', table: 't', chain: 'c', rule: 'accept\nflush ruleset' })],
    ['delete rule without handle', (tx) => tx.delete({ kind: 'rule', family: 'ip', table: 't', chain: 'c' })],
    ['half a base chain', (tx) => tx.add({ kind: 'chain', family: 'ip', table: 't', name: 'c', hook: 'input' })],
    ['bad priority', (tx) => tx.add({ kind: 'chain', family: 'ip', table: 't', name: 'c', type: 'nat', hook: 'input', priority: 'soon' })],
    ['flush element', (tx) => tx.flush({ kind: 'element', family: 'ip', table: 't', set: 's', key: ['1.2.3.4'] } as never)],
    ['element set and map', (tx) => tx.add({ kind: 'element', family: 'ip', table: 't', set: 's', map: 'm', key: ['1'] })],
    ['map element without value', (tx) => tx.add({ kind: 'element', family: 'ip', table: 't', map: 'm', key: ['1'] })],
    ['set element with value', (tx) => tx.add({ kind: 'element', family: 'ip', table: 't', set: 's', key: ['1'], value: ['2'] })],
    ['element token', (tx) => tx.add({ kind: 'element', family: 'ip', table: 't', set: 's', key: ['1.2.3.4 }'] })],
    ['map type', (tx) => tx.add({ kind: 'map', family: 'ip', table: 't', name: 'm', type: 'ipv4_addr', value: '' })],
  ];
  for (const [what, op] of bad) {
    const tx = new Transaction().add({ kind: 'table', family: 'ip', name: 't' });
    op(tx);
    tx.add({ kind: 'table', family: 'ip', name: 'later' });
    t.is(tx.err?.code, 'EINVAL', what);
    t.is(tx.err?.syscall, 'validate', what);
    t.is(tx.err?.opIndex, 1, what);
    t.is(tx.size, 1, what);
    const err = await t.throwsAsync(new FakeNft().run(tx));
    t.is(err, tx.err as Error, what);
  }
});

test('transaction: verdict values are allowed in maps', (t) => {
  const tx = new Transaction().add({ kind: 'element', family: 'inet', table: 't', map: 'v', key: ['10.96.0.1', 'tcp', '80'], value: ['jump svc-a'] });
  t.is(tx.err, undefined);
  t.is(tx.toString(), 'add element inet t v { 10.96.0.1 . tcp . 80 : jump svc-a }\n');
});

// ---- nft JSON --------------------------------------------------------------------------

test('nft -j list table is read into chains, sets with elements and comments, and rules', (t) => {
  const stdout = JSON.stringify({ nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'ip', name: 'pm', handle: 1 } },
    { map: { family: 'ip', name: 'hp', table: 'pm', type: ['inet_proto', 'inet_service'], handle: 5, map: 'ipv4_addr . inet_service',
      elem: [[{ elem: { val: { concat: ['tcp', 8080] }, comment: 'a' } }, { concat: ['10.244.0.5', 80] }], [{ concat: ['udp', 53] }, { concat: ['10.244.0.6', 53] }]] } },
    { set: { family: 'ip', name: 'one', table: 'pm', type: 'ipv4_addr', handle: 6, flags: ['interval'], elem: ['10.0.0.1', { prefix: { addr: '10.1.0.0', len: 16 } }, { elem: { val: '10.2.0.1', comment: 'c' } }] } },
    { set: { family: 'ip', name: 'other', table: 'elsewhere', type: 'ipv4_addr', handle: 6 } },
    { chain: { family: 'ip', table: 'pm', name: 'prerouting', handle: 1, type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } },
    { chain: { family: 'ip', table: 'pm', name: 'hostports', handle: 4 } },
    { rule: { family: 'ip', table: 'pm', chain: 'prerouting', handle: 8, comment: 'r', expr: [{ jump: { target: 'hostports' } }] } },
  ] });
  const table = parseTable(stdout, 'ip', 'pm');
  t.deepEqual(table.chains, [{ name: 'prerouting', type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' }, { name: 'hostports' }]);
  t.deepEqual(table.rules, [{ chain: 'prerouting', handle: 8, comment: 'r' }]);
  t.deepEqual(table.sets, [
    { name: 'hp', kind: 'map', type: 'inet_proto . inet_service', value: 'ipv4_addr . inet_service', flags: [], elements: [
      { key: ['tcp', '8080'], value: ['10.244.0.5', '80'], comment: 'a' },
      { key: ['udp', '53'], value: ['10.244.0.6', '53'] },
    ] },
    { name: 'one', kind: 'set', type: 'ipv4_addr', flags: ['interval'], elements: [{ key: ['10.0.0.1'] }, { key: ['10.1.0.0/16'] }, { key: ['10.2.0.1'], comment: 'c' }] },
  ]);
});

// ---- config ----------------------------------------------------------------------------

const base = (extra: Json = {}): NetConf => ({ cniVersion: '1.1.0', name: 'testnet', type: 'skiff-portmap', ...extra });
const withMappings = (portMappings: unknown, extra: Json = {}) => base({ runtimeConfig: { portMappings }, ...extra });

test('config: defaults, normalization and exact repeats', (t) => {
  const conf = parseConf(withMappings([
    { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostPort: 53, containerPort: 5353, protocol: 'udp', hostIP: 'FD00:0:0::1' },
    { hostPort: 9000, containerPort: 9000 },
  ]));
  t.true(conf.snat);
  t.false(conf.masqAll);
  t.deepEqual(conf.mappings, [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' },
    { hostPort: 53, containerPort: 5353, protocol: 'udp', hostIP: 'fd00::1' },
    { hostPort: 9000, containerPort: 9000, protocol: 'tcp', hostIP: '' },
  ]);
});

test('bad input is error 7 naming the field', async (t) => {
  const cases: [NetConf, string][] = [
    [withMappings([{ hostPort: 0, containerPort: 80 }]), 'runtimeConfig.portMappings[0].hostPort'],
    [withMappings([{ hostPort: 80, containerPort: 65536 }]), 'runtimeConfig.portMappings[0].containerPort'],
    [withMappings([{ hostPort: 80, containerPort: 80 }, { hostPort: '81', containerPort: 80 }]), 'runtimeConfig.portMappings[1].hostPort'],
    [withMappings([{ hostPort: 80, containerPort: 80, protocol: 'icmp' }]), 'runtimeConfig.portMappings[0].protocol'],
    [withMappings([{ hostPort: 80, containerPort: 80, hostIP: '10.0.0.300' }]), 'runtimeConfig.portMappings[0].hostIP'],
    [withMappings([{ hostPort: 80, containerPort: 80 }, { hostPort: 80, containerPort: 81 }]), 'runtimeConfig.portMappings[1].hostPort'],
    [withMappings({ hostPort: 80 }), 'runtimeConfig.portMappings'],
    [base({ snat: 'yes' }), 'snat'],
    [base({ conditionsV4: ['-d', '192.0.2.0/24'] }), 'conditionsV4'],
    [base({ conditionsV6: ['ip6 daddr != fc00::/7; flush ruleset'] }), 'conditionsV6'],
    [base({ backend: 'iptables' }), 'backend'],
    [base({ markMasqBit: 40 }), 'markMasqBit'],
  ];
  for (const [conf, field] of cases) {
    const err = t.throws(() => parseConf(conf), undefined, field) as { code?: number; msg?: string } | undefined;
    t.is(err?.code, 7, field);
    t.is(err?.msg, `invalid ${field}`, field);
    // And through the plugin: the same error, before anything touches the node.
    const node = new FakeNft();
    const out = await runSkel(portmapPlugin({ ...fakeDeps(), nft: node }), { env: env('ADD'), stdin: JSON.stringify({ ...conf, prevResult }) });
    t.is(JSON.parse(out.stdout).code, 7, field);
    t.is(node.commits, 0);
  }
});

// ---- planning --------------------------------------------------------------------------

test('desired elements: wildcard and hostIP maps, hairpin and localhost masquerade, per family', (t) => {
  const conf = parseConf(withMappings([
    { hostPort: 8080, containerPort: 80 },
    { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '10.0.0.1' },
    { hostPort: 54, containerPort: 53, protocol: 'udp', hostIP: '0.0.0.0' },
    { hostPort: 443, containerPort: 443, hostIP: 'fd00::1' },
  ]));
  t.deepEqual(desiredEntries(4, '10.244.0.5', conf, 'n/c/eth0'), [
    { in: 'hostports', key: ['tcp', '8080'], value: ['10.244.0.5', '80'], comment: 'n/c/eth0' },
    { in: 'hostip_hostports', key: ['10.0.0.1', 'udp', '53'], value: ['10.244.0.5', '53'], comment: 'n/c/eth0' },
    { in: 'hostports', key: ['udp', '54'], value: ['10.244.0.5', '53'], comment: 'n/c/eth0' },
    { in: 'masq_hairpin', key: ['10.244.0.5', '10.244.0.5'], comment: 'n/c/eth0' },
    { in: 'masq_localhost', key: ['10.244.0.5'], comment: 'n/c/eth0' },
  ]);
  t.deepEqual(desiredEntries(6, 'fd00::5', { ...conf, masqAll: true }, 't').map((e) => [e.in, e.key.join(' . ')]), [
    ['hostports', 'tcp . 8080'], ['hostip_hostports', 'fd00::1 . tcp . 443'], ['masq_all', 'fd00::5'],
  ]);
  t.deepEqual(desiredEntries(4, '10.244.0.5', { ...conf, snat: false }, 't').map((e) => e.in), ['hostports', 'hostip_hostports', 'hostports']);
});

test('owner tags fit nft comments and name their network', (t) => {
  t.is(ownerTag({ network: 'kindnet', containerId: 'abc', ifname: 'eth0' }), 'kindnet/abc/eth0');
  const long = ownerTag({ network: 'kindnet', containerId: 'a'.repeat(200), ifname: 'eth0' });
  t.true(long.length <= 128);
  t.true(long.startsWith('kindnet/#'));
  t.is(long, ownerTag({ network: 'kindnet', containerId: 'a'.repeat(200), ifname: 'eth0' }));
  t.true(ownerTag({ network: 'a b', containerId: 'x', ifname: 'eth0' }).startsWith('#'));
});

test('route_localnet goes on the device of the most specific route to the pod', (t) => {
  const r = (dst: string, dev: string) => ({ family: 4 as const, dst, dev, via: '', scope: 'link' as const, table: 254, metric: 0, src: '' });
  const routes = [r('default', 'eth0'), r('10.244.0.0/16', 'vx0'), r('10.244.1.0/24', 'cni0')];
  t.is(routeDev(routes, '10.244.1.7'), 'cni0');
  t.is(routeDev(routes, '10.244.2.7'), 'vx0');
  t.is(routeDev(routes, '192.0.2.1'), 'eth0');
  t.is(routeDev([r('10.244.1.0/24', 'cni0')], '192.0.2.1'), undefined);
});

// ---- the plugin against the fake node ----------------------------------------------------

const NODE = '/run/fake-netns/node';
const prevResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/pod' }],
  ips: [{ address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 2 }, { address: 'fd00:1::5/64', interface: 2 }],
};

function env(command: string, containerId = 'ctr1', ifname = 'eth0'): Record<string, string> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: '/run/netns/pod', CNI_IFNAME: ifname, CNI_PATH: '/opt/cni/bin' };
}

function fakeDeps(nft?: Nft) {
  const host = fakeHost();
  return { nft: nft ?? new FakeNft(host.kernel), conntrack: new FakeConntrack(host.kernel), netlink: host.netlink, sysctl: host.sysctl, host };
}

/** A fake node: a pinned namespace whose cni0 bridge routes 10.244.1.0/24. */
async function fakeNode(wrap?: (inner: FakeNft) => Nft) {
  const deps = fakeDeps();
  const inner = deps.nft as FakeNft;
  await deps.host.netns.create({ net: NODE });
  await deps.netlink.apply([{ op: 'link.add', name: 'cni0', kind: 'bridge' }, { op: 'link.set', name: 'cni0', up: true }, { op: 'addr.add', dev: 'cni0', cidr: '10.244.1.1/24' }], NODE);
  const nft = wrap ? wrap(inner) : inner;
  const plugin = portmapPlugin({ nft, conntrack: deps.conntrack, netlink: deps.netlink, sysctl: deps.sysctl, hostNetns: NODE });
  const logs: string[] = [];
  async function cni(command: string, conf: Json, call: { containerId?: string; ifname?: string } = {}) {
    const out = await runSkel(plugin, { env: env(command, call.containerId, call.ifname), stdin: JSON.stringify(conf), stderr: (l) => logs.push(l) });
    return { exitCode: out.exitCode, json: (out.stdout ? JSON.parse(out.stdout) : undefined) as Json | undefined };
  }
  const elements = async (family: Family, name: string): Promise<ListedElement[]> => {
    const table = await inner.listTable(family, TABLE, NODE).catch(() => undefined);
    return table?.sets.find((s) => s.name === name)?.elements ?? [];
  };
  return { ...deps, nft: inner, plugin, cni, elements, logs };
}

const pmConf = (portMappings: unknown[], extra: Json = {}) => ({ ...withMappings(portMappings), prevResult, ...extra });
const web = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }];

test('ADD adds one element per mapping and family, tagged with the owner, and passes prevResult through', async (t) => {
  const node = await fakeNode();
  const out = await node.cni('ADD', { ...pmConf(web), cniVersion: '1.0.0' });
  t.is(out.exitCode, 0, JSON.stringify(out.json));
  t.deepEqual(out.json, prevResult);
  t.deepEqual(await node.elements('ip', 'hostports'), [
    { key: ['tcp', '8080'], value: ['10.244.1.5', '80'], comment: 'testnet/ctr1/eth0' },
    { key: ['udp', '5353'], value: ['10.244.1.5', '53'], comment: 'testnet/ctr1/eth0' },
  ]);
  t.deepEqual(await node.elements('ip6', 'hostports'), [
    { key: ['tcp', '8080'], value: ['fd00:1::5', '80'], comment: 'testnet/ctr1/eth0' },
    { key: ['udp', '5353'], value: ['fd00:1::5', '53'], comment: 'testnet/ctr1/eth0' },
  ]);
  t.deepEqual((await node.elements('ip', 'masq_hairpin')).map((e) => e.key), [['10.244.1.5', '10.244.1.5']]);
  t.deepEqual((await node.elements('ip', 'masq_localhost')).map((e) => e.key), [['10.244.1.5']]);
  const table = await node.nft.listTable('ip', TABLE, NODE);
  t.deepEqual(table.chains.map((c) => [c.name, c.hook, c.priority]), [
    ['prerouting', 'prerouting', -100], ['output', 'output', -100], ['hostports', undefined, undefined], ['masquerading', 'postrouting', 100],
  ]);
  t.is(await node.sysctl.get('net.ipv4.conf.cni0.route_localnet', NODE), '1');
  t.is(node.nft.commits, 1, 'both families in one transaction');
  // Nothing in the process's own namespace.
  t.deepEqual(await node.nft.listTables(), []);
  // A repeated ADD changes no element and keeps the static rules as they were.
  t.is((await node.cni('ADD', pmConf(web))).exitCode, 0);
  t.is((await node.nft.listTable('ip', TABLE, NODE)).rules.length, table.rules.length);
  t.is((await node.elements('ip', 'hostports')).length, 2);
});

test('ADD without mappings passes prevResult through and does nothing; without prevResult or IPs it is error 7', async (t) => {
  const node = await fakeNode();
  const out = await node.cni('ADD', { ...base(), prevResult });
  t.is(out.exitCode, 0);
  t.deepEqual(out.json, { ...prevResult, cniVersion: '1.1.0' });
  t.is(node.nft.commits, 0);
  const chained = await node.cni('ADD', withMappings(web));
  t.is(chained.json?.code, 7);
  const noIps = await node.cni('ADD', pmConf(web, { prevResult: { cniVersion: '1.1.0', interfaces: [], ips: [] } }));
  t.is(noIps.json?.code, 7);
  const otherIf = await node.cni('ADD', pmConf(web), { ifname: 'net1' });
  t.is(otherIf.json?.code, 7, 'the IPs belong to eth0');
  t.is(node.nft.commits, 0);
});

test('snat false and masqAll choose the masquerade sets; a hostIP mapping goes to the hostIP map of its family only', async (t) => {
  const node = await fakeNode();
  const mappings = [{ hostPort: 8080, containerPort: 80, hostIP: '192.0.2.10' }];
  t.is((await node.cni('ADD', pmConf(mappings, { snat: false }))).exitCode, 0);
  t.deepEqual((await node.elements('ip', 'hostip_hostports')).map((e) => e.key), [['192.0.2.10', 'tcp', '8080']]);
  t.deepEqual(await node.elements('ip', 'masq_hairpin'), []);
  t.deepEqual(await node.elements('ip6', 'hostip_hostports'), []);
  t.is((await node.cni('ADD', pmConf(mappings, { masqAll: true }), { containerId: 'ctr2' })).exitCode, 0);
  t.deepEqual((await node.elements('ip', 'masq_all')).map((e) => [e.key, e.comment]), [[['10.244.1.5'], 'testnet/ctr2/eth0']]);
  t.deepEqual(await node.elements('ip', 'masq_localhost'), []);
});

test('CHECK passes after ADD, and fails once the elements are gone', async (t) => {
  const node = await fakeNode();
  t.is((await node.cni('CHECK', pmConf(web))).json?.code, 5, 'no table yet');
  await node.cni('ADD', pmConf(web));
  t.is((await node.cni('CHECK', pmConf(web))).exitCode, 0);
  t.is((await node.cni('CHECK', { ...base(), prevResult })).exitCode, 0, 'nothing to check without mappings');
  t.is((await node.cni('CHECK', withMappings(web))).json?.code, 7, 'prevResult is required');
  await node.nft.run(new Transaction().delete({ kind: 'element', family: 'ip6', table: TABLE, map: 'hostports', key: ['udp', '5353'] }), NODE);
  const out = await node.cni('CHECK', pmConf(web));
  t.is(out.json?.code, 5);
  t.regex(out.json?.msg, /ip6 hostports \{ udp \. 5353 \} is missing/);
});

test('DEL removes only this owner\'s elements, is idempotent, and succeeds with no table', async (t) => {
  const node = await fakeNode();
  t.is((await node.cni('DEL', pmConf(web))).exitCode, 0, 'no table');
  await node.cni('ADD', pmConf(web));
  const other = { ...prevResult, ips: [{ address: '10.244.1.6/24', interface: 2 }] };
  await node.cni('ADD', pmConf([{ hostPort: 9090, containerPort: 90 }], { prevResult: other }), { containerId: 'ctr2' });
  // Without the mappings too: the elements carry their owner.
  t.is((await node.cni('DEL', base())).exitCode, 0);
  t.deepEqual((await node.elements('ip', 'hostports')).map((e) => [e.key.join('/'), e.comment]), [['tcp/9090', 'testnet/ctr2/eth0']]);
  t.deepEqual((await node.elements('ip', 'masq_hairpin')).map((e) => e.comment), ['testnet/ctr2/eth0']);
  t.deepEqual(await node.elements('ip6', 'hostports'), []);
  t.is((await node.cni('DEL', pmConf(web))).exitCode, 0, 'again');
  const tables = await node.nft.listTables(NODE);
  t.is(tables.length, 2, 'the static tables stay');
});

test('the last ADD of a host port wins; the earlier owner\'s DEL leaves it alone', async (t) => {
  const node = await fakeNode();
  await node.cni('ADD', pmConf([{ hostPort: 8080, containerPort: 80 }]), { containerId: 'old' });
  const other = { ...prevResult, ips: [{ address: '10.244.1.9/24', interface: 2 }] };
  t.is((await node.cni('ADD', pmConf([{ hostPort: 8080, containerPort: 81 }], { prevResult: other }), { containerId: 'new' })).exitCode, 0);
  t.true(node.logs.some((l) => /hostports \{ tcp \. 8080 \} of testnet\/old\/eth0 now belongs to testnet\/new\/eth0/.test(l)), node.logs.join('\n'));
  await node.cni('DEL', pmConf([{ hostPort: 8080, containerPort: 80 }]), { containerId: 'old' });
  t.deepEqual((await node.elements('ip', 'hostports')).map((e) => [e.value, e.comment]), [[['10.244.1.9', '81'], 'testnet/new/eth0']]);
  // Same pod address, new owner: the comment moves to the new owner.
  await node.cni('ADD', pmConf([{ hostPort: 7070, containerPort: 70 }], { prevResult: other }), { containerId: 'a' });
  await node.cni('ADD', pmConf([{ hostPort: 7070, containerPort: 70 }], { prevResult: other }), { containerId: 'b' });
  await node.cni('DEL', base(), { containerId: 'a' });
  t.deepEqual((await node.elements('ip', 'hostports')).find((e) => e.key[1] === '7070')?.comment, 'testnet/b/eth0');
});

test('a transaction that lost a race is planned again', async (t) => {
  // Another ADD for the same host port commits between our listing and our commit.
  let raced = false;
  let runs = 0;
  const node = await fakeNode((inner) => Object.assign(Object.create(inner) as FakeNft, {
    run: async (tx: Transaction, netns?: string) => {
      runs++;
      if (!raced) {
        raced = true;
        await inner.run(new Transaction()
          .add({ kind: 'table', family: 'ip', name: TABLE })
          .add({ kind: 'map', family: 'ip', table: TABLE, name: 'hostports', type: 'inet_proto . inet_service', value: 'ipv4_addr . inet_service' })
          .add({ kind: 'element', family: 'ip', table: TABLE, map: 'hostports', key: ['tcp', '8080'], value: ['10.244.1.77', '80'], comment: 'testnet/rival/eth0' }), netns);
      }
      return inner.run(tx, netns);
    },
  }));
  const out = await node.cni('ADD', pmConf([{ hostPort: 8080, containerPort: 80 }]));
  t.is(out.exitCode, 0, JSON.stringify(out.json));
  t.is(runs, 2, 'the first commit failed with EEXIST and was planned again');
  t.deepEqual((await node.elements('ip', 'hostports')).map((e) => [e.value, e.comment]), [[['10.244.1.5', '80'], 'testnet/ctr1/eth0']]);
});

test('DEL does not delete an element another owner took over after it was listed', async (t) => {
  let take: (() => Promise<void>) | undefined;
  const node = await fakeNode((inner) => Object.assign(Object.create(inner) as FakeNft, {
    run: async (tx: Transaction, netns?: string) => {
      const steal = take;
      take = undefined;
      if (steal) await steal();
      return inner.run(tx, netns);
    },
  }));
  await node.cni('ADD', pmConf([{ hostPort: 8080, containerPort: 80 }]), { containerId: 'old' });
  take = () => node.nft.run(new Transaction()
    .delete({ kind: 'element', family: 'ip', table: TABLE, map: 'hostports', key: ['tcp', '8080'] })
    .add({ kind: 'element', family: 'ip', table: TABLE, map: 'hostports', key: ['tcp', '8080'], value: ['10.244.1.9', '80'], comment: 'testnet/new/eth0' }), NODE);
  t.is((await node.cni('DEL', base(), { containerId: 'old' })).exitCode, 0);
  t.deepEqual((await node.elements('ip', 'hostports')).map((e) => e.comment), ['testnet/new/eth0']);
});

test('GC removes elements of attachments not in the valid list, of its own network only', async (t) => {
  const node = await fakeNode();
  await node.cni('ADD', pmConf([{ hostPort: 1001, containerPort: 80 }]), { containerId: 'keep' });
  await node.cni('ADD', pmConf([{ hostPort: 1002, containerPort: 80 }]), { containerId: 'stale' });
  await node.cni('ADD', pmConf([{ hostPort: 1003, containerPort: 80 }], { name: 'othernet' }), { containerId: 'elsewhere' });
  const gc = await node.cni('GC', { ...base(), 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] });
  t.is(gc.exitCode, 0, JSON.stringify(gc.json));
  t.deepEqual((await node.elements('ip', 'hostports')).map((e) => e.comment).sort(), ['othernet/elsewhere/eth0', 'testnet/keep/eth0']);
  t.deepEqual((await node.elements('ip6', 'hostports')).map((e) => e.comment).sort(), ['othernet/elsewhere/eth0', 'testnet/keep/eth0']);
});

test('UDP conntrack entries of the mapped host ports are flushed on ADD and on DEL', async (t) => {
  const node = await fakeNode();
  const flow = (dport: number, family: 4 | 6 = 4) => ({ family, protocol: 'udp', src: family === 4 ? '192.0.2.1' : 'fd00::9', dst: family === 4 ? '192.0.2.2' : 'fd00::2', sport: 40000, dport });
  const count = async (dport: number, family: 4 | 6 = 4) => (await node.conntrack.list({ family, protocol: 'udp', dport }, NODE)).length;
  for (const f of [flow(5353), flow(5353, 6), flow(9999)]) node.conntrack.track(f, NODE);
  await node.cni('ADD', pmConf(web));
  t.is(await count(5353), 0);
  t.is(await count(5353, 6), 0);
  t.is(await count(9999), 1, 'other ports keep their flows');
  node.conntrack.track(flow(5353), NODE);
  await node.cni('DEL', base());
  t.is(await count(5353), 0, 'DEL flushes the ports it removed, even without the mappings');
});

test('STATUS succeeds when nft runs, and is error 50 when it does not', async (t) => {
  const node = await fakeNode();
  t.is((await node.cni('STATUS', base())).exitCode, 0);
  const broken = portmapPlugin({ ...fakeDeps(), hostNetns: '/run/fake-netns/missing' });
  const out = await runSkel(broken, { env: { CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' }, stdin: JSON.stringify(base()) });
  t.is(JSON.parse(out.stdout).code, 50);
});

// ---- the rules, traced -------------------------------------------------------------------

test('traced: a hostPort is DNATed to the pod from outside, from the node and from the pod itself; other ports and hosts pass', async (t) => {
  const node = await fakeNode();
  t.is((await node.cni('ADD', pmConf(web))).exitCode, 0);
  const local = ['192.168.1.10', 'fd00::10'];
  const packet = (src: string, dst: string, proto: 'tcp' | 'udp' = 'tcp', from: 'outside' | 'local' = 'outside') => trace(node.nft, { src, dst, proto, from, local, netns: NODE });
  t.deepEqual(packet('203.0.113.7', '192.168.1.10:8080'), ['DNAT 10.244.1.5:80']);
  t.deepEqual(packet('203.0.113.7', '192.168.1.10:5353', 'udp'), ['DNAT 10.244.1.5:53']);
  t.deepEqual(packet('[2001:db8::7]', '[fd00::10]:8080'), ['DNAT [fd00:1::5]:80']);
  t.deepEqual(packet('203.0.113.7', '192.168.1.10:8081'), [], 'a port nobody mapped passes untouched');
  t.deepEqual(packet('203.0.113.7', '192.168.1.10:5353'), [], 'the mapping is for UDP');
  t.deepEqual(packet('10.244.1.9', '198.51.100.1:8080'), [], 'port 8080 of another host is not a host port');
  t.deepEqual(packet('10.244.1.5', '192.168.1.10:8080'), ['DNAT 10.244.1.5:80', 'MASQUERADE'], 'the pod reaching itself is masqueraded (hairpin)');
  t.deepEqual(packet('127.0.0.1', '127.0.0.1:8080', 'tcp', 'local'), ['DNAT 10.244.1.5:80', 'MASQUERADE'], 'from localhost, through output');
  t.is((await node.cni('DEL', base())).exitCode, 0);
  t.deepEqual(packet('203.0.113.7', '192.168.1.10:8080'), [], 'gone with the DEL');
});

test('traced: a hostIP mapping applies to that address only; masqAll masquerades every DNATed connection', async (t) => {
  const node = await fakeNode();
  const local = ['192.0.2.10', '192.0.2.11'];
  t.is((await node.cni('ADD', pmConf([{ hostPort: 9090, containerPort: 90, hostIP: '192.0.2.10' }], { masqAll: true }))).exitCode, 0);
  t.deepEqual(trace(node.nft, { src: '203.0.113.7', dst: '192.0.2.10:9090', proto: 'tcp', local, netns: NODE }), ['DNAT 10.244.1.5:90', 'MASQUERADE']);
  t.deepEqual(trace(node.nft, { src: '203.0.113.7', dst: '192.0.2.11:9090', proto: 'tcp', local, netns: NODE }), []);
});
