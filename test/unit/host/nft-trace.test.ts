// The packet tracer over FakeNft, on a ruleset shaped as kube-proxy's nftables mode writes it
// (service dispatch by verdict map, numgen endpoint choice, masquerade by mark, ClusterIP
// checks in filter), which is what skiff's service proxy will be tested with.
import test from 'ava';
import { FakeNft } from '../../../src/host/nft/fake.js';
import { trace, tracePaths, type Packet } from '../../../src/host/nft/trace.js';
import { TraceError } from '../../../src/host/nft/trace-rule.js';
import { Transaction } from '../../../src/host/nft/transaction.js';
import type { Chain } from '../../../src/host/nft/types.js';

const at = { family: 'ip', table: 'kube-proxy' } as const;
const NODE_IP = '192.168.1.10';

async function proxyRuleset(): Promise<FakeNft> {
  const nft = new FakeNft();
  const tx = new Transaction().add({ kind: 'table', family: 'ip', name: 'kube-proxy' });
  const chain = (name: string, base?: Pick<Chain, 'type' | 'hook' | 'priority'>) => tx.add({ kind: 'chain', ...at, name, ...base });
  const rule = (c: string, text: string) => tx.add({ kind: 'rule', ...at, chain: c, rule: text });
  const element = (map: string, key: string[], value: string[]) => tx.add({ kind: 'element', ...at, map, key, value });
  tx.add({ kind: 'map', ...at, name: 'service-ips', type: 'ipv4_addr . inet_proto . inet_service', value: 'verdict' });
  tx.add({ kind: 'map', ...at, name: 'service-nodeports', type: 'inet_proto . inet_service', value: 'verdict' });
  tx.add({ kind: 'map', ...at, name: 'no-endpoint-services', type: 'ipv4_addr . inet_proto . inet_service', value: 'verdict' });
  tx.add({ kind: 'set', ...at, name: 'cluster-ips', type: 'ipv4_addr' });
  for (const c of ['mark-for-masquerade', 'masquerading', 'services', 'cluster-ips-check', 'service-web', 'service-dns', 'external-web', 'endpoint-a', 'endpoint-b', 'endpoint-c']) chain(c);
  chain('nat-prerouting', { type: 'nat', hook: 'prerouting', priority: 'dstnat' });
  chain('nat-output', { type: 'nat', hook: 'output', priority: -100 });
  chain('nat-postrouting', { type: 'nat', hook: 'postrouting', priority: 'srcnat' });
  chain('filter-forward', { type: 'filter', hook: 'forward', priority: 'filter' });
  chain('filter-output', { type: 'filter', hook: 'output', priority: 'filter' });
  rule('nat-prerouting', 'jump services');
  rule('nat-output', 'jump services');
  rule('nat-postrouting', 'jump masquerading');
  rule('filter-forward', 'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  rule('filter-forward', 'ct state new jump cluster-ips-check');
  rule('filter-output', 'ct state new jump cluster-ips-check');
  rule('cluster-ips-check', 'ip daddr @cluster-ips reject');
  rule('cluster-ips-check', 'ip daddr { 10.96.0.0/12 } drop');
  rule('mark-for-masquerade', 'mark set mark or 0x4000');
  rule('masquerading', 'mark and 0x4000 == 0 return');
  rule('masquerading', 'mark set mark xor 0x4000');
  rule('masquerading', 'masquerade fully-random');
  rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  rule('services', 'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports');
  rule('service-web', 'ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade');
  rule('service-web', 'numgen random mod 2 vmap { 0 : goto endpoint-a, 1 : goto endpoint-b }');
  rule('service-dns', 'numgen random mod 1 vmap { 0 : goto endpoint-c }');
  rule('external-web', 'ip saddr 10.244.0.0/16 goto service-web');
  rule('external-web', 'jump mark-for-masquerade');
  rule('external-web', 'goto service-web');
  for (const [c, ip, port, proto] of [['endpoint-a', '10.244.1.5', 8080, 'tcp'], ['endpoint-b', '10.244.2.7', 8080, 'tcp'], ['endpoint-c', '10.244.3.9', 53, 'udp']] as const) {
    rule(c, `ip saddr ${ip} jump mark-for-masquerade`);
    rule(c, `meta l4proto ${proto} dnat to ${ip}:${port}`);
  }
  element('service-ips', ['10.96.0.10', 'tcp', '80'], ['goto service-web']);
  element('service-ips', ['10.96.0.20', 'udp', '53'], ['goto service-dns']);
  element('service-nodeports', ['tcp', '30080'], ['goto external-web']);
  element('no-endpoint-services', ['10.96.0.30', 'tcp', '80'], ['drop']);
  for (const ip of ['10.96.0.10', '10.96.0.20', '10.96.0.30']) tx.add({ kind: 'element', ...at, set: 'cluster-ips', key: [ip] });
  await nft.run(tx);
  return nft;
}

const packet = (src: string, dst: string, extra: Partial<Packet> = {}): Packet => ({ src, dst, proto: 'tcp', local: [NODE_IP], ...extra });

test('pod to a ClusterIP: every endpoint numgen can pick, without masquerade; one pick when fixed', async (t) => {
  const nft = await proxyRuleset();
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.10:80')), ['DNAT 10.244.1.5:8080', 'DNAT 10.244.2.7:8080']);
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.10:80', { random: [1] })), ['DNAT 10.244.2.7:8080']);
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.20:53', { proto: 'udp' })), ['DNAT 10.244.3.9:53']);
});

test('masquerade by mark: from outside the cluster, and an endpoint reaching itself; the mark is cleared on the way out', async (t) => {
  const nft = await proxyRuleset();
  const paths = tracePaths(nft, packet('203.0.113.9', '10.96.0.10:80'));
  t.deepEqual(paths.map((p) => p.actions), [['DNAT 10.244.1.5:8080', 'MASQUERADE'], ['DNAT 10.244.2.7:8080', 'MASQUERADE']]);
  t.deepEqual(paths.map((p) => [p.dst, p.mark]), [['10.244.1.5:8080', 0], ['10.244.2.7:8080', 0]]);
  t.deepEqual(trace(nft, packet('10.244.1.5', '10.96.0.10:80', { random: [0] })), ['DNAT 10.244.1.5:8080', 'MASQUERADE'], 'hairpin');
  t.deepEqual(trace(nft, packet('10.244.1.5', '10.96.0.10:80', { random: [1] })), ['DNAT 10.244.2.7:8080'], 'to the other endpoint: kept');
  t.deepEqual(trace(nft, packet('10.244.1.5', '10.96.0.10:80', { random: [1], mark: 0x10 })), ['DNAT 10.244.2.7:8080']);
});

test('a NodePort: to a node address only, masqueraded from outside the cluster; from the node itself through output', async (t) => {
  const nft = await proxyRuleset();
  t.deepEqual(trace(nft, packet('203.0.113.9', `${NODE_IP}:30080`, { random: [0] })), ['DNAT 10.244.1.5:8080', 'MASQUERADE']);
  t.deepEqual(trace(nft, packet('10.244.3.3', `${NODE_IP}:30080`, { random: [0] })), ['DNAT 10.244.1.5:8080'], 'pod traffic short-circuits');
  t.deepEqual(trace(nft, packet('203.0.113.9', '192.168.1.99:30080')), [], 'not a node address: not a NodePort');
  t.deepEqual(trace(nft, packet(NODE_IP, '10.96.0.10:80', { from: 'local', random: [1] })), ['DNAT 10.244.2.7:8080', 'MASQUERADE']);
  t.deepEqual(trace(nft, packet('127.0.0.1', '127.0.0.1:30080', { from: 'local' })), [], 'loopback is excluded from NodePorts');
});

test('filter: no endpoints drops, a wrong port or protocol of a ClusterIP is rejected, an unallocated ClusterIP dropped', async (t) => {
  const nft = await proxyRuleset();
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.30:80')), ['DROP']);
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.10:81')), ['REJECT']);
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.0.10:80', { proto: 'udp' })), ['REJECT']);
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.96.7.7:80')), ['DROP']);
  t.deepEqual(trace(nft, packet(NODE_IP, '10.96.0.10:81', { from: 'local' })), ['REJECT'], 'from the node, in filter output');
  t.deepEqual(trace(nft, packet('10.244.3.3', '10.244.2.7:8080')), [], 'pod to pod: untouched');
});

test('base chains: by priority across tables; accept ends one base chain only; policy drop; other families untraced', async (t) => {
  const nft = new FakeNft();
  const tx = new Transaction()
    .add({ kind: 'table', family: 'ip', name: 'a' })
    .add({ kind: 'table', family: 'inet', name: 'b' })
    .add({ kind: 'table', family: 'ip6', name: 'c' })
    .add({ kind: 'chain', family: 'inet', table: 'b', name: 'late', type: 'filter', hook: 'input', priority: 10 })
    .add({ kind: 'chain', family: 'ip', table: 'a', name: 'early', type: 'filter', hook: 'input', priority: -10 })
    .add({ kind: 'chain', family: 'ip6', table: 'c', name: 'all', type: 'filter', hook: 'input', priority: 0, policy: 'drop' })
    .add({ kind: 'rule', family: 'ip', table: 'a', chain: 'early', rule: 'tcp dport 22 accept' })
    .add({ kind: 'rule', family: 'inet', table: 'b', chain: 'late', rule: 'iifname "eth*" th dport { 22, 1000-2000 } drop' })
    .add({ kind: 'rule', family: 'inet', table: 'b', chain: 'late', rule: 'meta mark 0x1 reject with icmp type host-unreachable' });
  await nft.run(tx);
  const input = (dst: string, extra: Partial<Packet> = {}) => trace(nft, { src: '198.51.100.2', dst, proto: 'tcp', iif: 'eth0', local: ['127.0.0.1', '10.0.0.1'], ...extra });
  t.deepEqual(input('10.0.0.1:22'), ['DROP'], "a's accept does not skip b");
  t.deepEqual(input('10.0.0.1:1500'), ['DROP'], 'a range in an anonymous set');
  t.deepEqual(input('10.0.0.1:22', { iif: 'wlan0' }), []);
  t.deepEqual(input('10.0.0.1:80', { iif: 'wlan0', mark: 1 }), ['REJECT']);
  t.deepEqual(trace(nft, { src: '[fd00::2]', dst: '[::1]:80', proto: 'tcp', iif: 'lo' }), ['DROP'], "c's policy, for IPv6 only");
  t.throws(() => input('10.0.0.1:22', { iif: undefined }), { instanceOf: TraceError, message: /give the packet iif/ });
});

test('a rule outside the modelled syntax is an error naming it, not a silent pass', async (t) => {
  const nft = new FakeNft();
  await nft.run(new Transaction()
    .add({ kind: 'table', family: 'ip', name: 'x' })
    .add({ kind: 'chain', family: 'ip', table: 'x', name: 'in', type: 'filter', hook: 'prerouting', priority: 0 })
    .add({ kind: 'rule', family: 'ip', table: 'x', chain: 'in', rule: 'meta skuid 0 accept' }));
  t.throws(() => trace(nft, { src: '10.0.0.2', dst: '10.0.0.1:80', proto: 'tcp' }), { instanceOf: TraceError, message: /meta skuid 0 accept/ });
  t.throws(() => trace(nft, { src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp' }), { instanceOf: TraceError, message: /not an address:port/ });
});
