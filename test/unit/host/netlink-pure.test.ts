import test from 'ava';
import { encode, parseRouteDst } from '../../../src/host/netlink/encode.js';
import { undoPlan } from '../../../src/host/netlink/undo.js';
import type { Link } from '../../../src/host/netlink/types.js';
import { canonicalIp, networkOf, parseCidr, sysctlPath } from '../../../src/host/netlink/validate.js';
import { parseMountinfo } from '../../../src/host/mount/real.js';

test('IPv6 addresses come back in the kernel\'s canonical form', (t) => {
  t.is(canonicalIp('2001:0db8:0:0:1:0:0:1', 6), '2001:db8::1:0:0:1');
  t.is(canonicalIp('fd00:0:0:0:0:0:0:5', 6), 'fd00::5');
  t.is(canonicalIp('::', 6), '::');
  t.is(networkOf(parseCidr('fd00:1:2:3::77/64', 'x')), 'fd00:1:2:3::');
  t.is(networkOf(parseCidr('10.244.1.77/20', 'x')), '10.244.0.0');
});

test('route destinations: default forms and host bits', (t) => {
  t.deepEqual(parseRouteDst('default6', 'x'), { family: 6, dst: '', dstLen: 0 });
  t.deepEqual(parseRouteDst('0.0.0.0/0', 'x'), { family: 4, dst: '', dstLen: 0 });
  t.throws(() => parseRouteDst('10.0.0.1/8', 'x'), { message: /host bits/ });
});

test('device routes default to link scope, gateway routes to universe (as iproute2)', (t) => {
  t.like(encode({ op: 'route.add', dst: '10.0.0.0/8', dev: 'eth0' }), { scope: 253 });
  t.like(encode({ op: 'route.add', dst: 'default', via: '10.0.0.1' }), { scope: 0 });
  t.throws(() => encode({ op: 'route.add', dst: 'default', via: 'fd00::1' }), { message: /not IPv4/ });
});

test('sysctl keys: dotted and slash forms, no escapes', (t) => {
  t.is(sysctlPath('net.ipv4.ip_forward'), 'net/ipv4/ip_forward');
  t.is(sysctlPath('net/ipv4/conf/eth0.100/forwarding'), 'net/ipv4/conf/eth0.100/forwarding');
  t.throws(() => sysctlPath('net/../kernel'));
  t.throws(() => sysctlPath('/net/ipv4'));
});

test('undo plan: reverse order, created links deleted rather than restored', (t) => {
  const br: Link = { index: 2, name: 'br0', kind: 'bridge', mtu: 1500, mac: '02:00:00:00:00:01', master: '', up: false, promisc: false, operstate: 'DOWN', parent: 0, hairpin: false };
  const plan = undoPlan([
    { op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '1' },
    { op: 'link.add', name: 'v0', kind: 'veth', peer: { name: 'v1' } },
    { op: 'link.set', name: 'v0', master: 'br0', up: true },
    { op: 'link.set', name: 'br0', mtu: 1400, up: true },
    { op: 'addr.add', dev: 'br0', cidr: '10.0.0.1/24' },
  ], { links: [br], sysctls: new Map([['net.ipv4.ip_forward', '0']]) }, undefined);
  t.deepEqual(plan.map((s) => s.op), [
    { op: 'addr.del', dev: 'br0', cidr: '10.0.0.1/24' },
    { op: 'link.set', name: 'br0', mtu: 1500, up: false },
    { op: 'link.del', name: 'v0' },
    { op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '0' },
  ]);
});

test('undo plan: a link moved away is moved back from the other namespace first', (t) => {
  const eth: Link = { index: 3, name: 'eth1', kind: 'veth', mtu: 1500, mac: '', master: '', up: true, promisc: false, operstate: 'UP', parent: 4, hairpin: false };
  const plan = undoPlan([{ op: 'link.set', name: 'eth1', netns: '/run/netns/b', rename: 'eth0' }], { links: [eth], sysctls: new Map() }, '/run/netns/a');
  t.deepEqual(plan, [
    { netns: '/run/netns/b', op: { op: 'link.set', name: 'eth0', netns: '/run/netns/a' } },
    { op: { op: 'link.set', name: 'eth0', rename: 'eth1', up: true } },
  ]);
});

test('mountinfo: targets with escaped spaces', (t) => {
  const text = '36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n';
  t.deepEqual(parseMountinfo(text), [{ target: '/mnt two', fstype: 'ext3', source: '/dev/root' }]);
});

test('undo plan: bridge VLANs come back as they were, with the PVID an add moved', (t) => {
  const port: Link = { index: 4, name: 'veth1', kind: 'veth', mtu: 1500, mac: '', master: 'cni0', up: true, promisc: false, operstate: 'UP', parent: 5, hairpin: false };
  const br: Link = { index: 3, name: 'cni0', kind: 'bridge', mtu: 1500, mac: '', master: '', up: true, promisc: false, operstate: 'UP', parent: 0, hairpin: false, vlanFiltering: true };
  const vlans = [{ dev: 'veth1', vid: 1, pvid: true, untagged: true }, { dev: 'veth1', vid: 200, pvid: false, untagged: false }];
  const plan = undoPlan([
    { op: 'link.set', name: 'cni0', vlanFiltering: false },
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true },
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 200, untagged: true },
    { op: 'bridge.vlan.del', dev: 'veth1', vid: 1 },
    { op: 'bridge.vlan.del', dev: 'veth1', vid: 300 },
  ], { links: [br, port], sysctls: new Map(), vlans }, undefined);
  t.deepEqual(plan.map((s) => s.op), [
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 1, pvid: true, untagged: true },
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 200 },
    { op: 'bridge.vlan.del', dev: 'veth1', vid: 100 },
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 1, pvid: true, untagged: true },
    { op: 'link.set', name: 'cni0', vlanFiltering: true },
  ]);
});

test('undo plan: a port taken to another bridge gets its VLANs back; ops on created links need nothing', (t) => {
  const port: Link = { index: 4, name: 'veth1', kind: 'veth', mtu: 1500, mac: '', master: 'cni0', up: true, promisc: false, operstate: 'UP', parent: 5, hairpin: false };
  const vlans = [{ dev: 'veth1', vid: 100, pvid: true, untagged: true }];
  const plan = undoPlan([
    { op: 'link.set', name: 'veth1', master: 'br1' },
    { op: 'link.add', name: 'v2', kind: 'veth', peer: { name: 'v3' } },
    { op: 'link.set', name: 'v2', master: 'cni0' },
    { op: 'bridge.vlan.add', dev: 'v2', vid: 100, pvid: true, untagged: true },
  ], { links: [port], sysctls: new Map(), vlans }, undefined);
  t.deepEqual(plan.map((s) => s.op), [
    { op: 'link.del', name: 'v2' },
    { op: 'link.set', name: 'veth1', master: 'cni0' },
    { op: 'bridge.vlan.del', dev: 'veth1', vid: 1 },
    { op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true },
  ]);
});

test('bridge VLAN ops: vid 1..4094, flags only on add, vlanFiltering only on bridges', (t) => {
  t.deepEqual(encode({ op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true }), { op: 'bridgeVlanAdd', dev: 'veth1', vid: 100, pvid: true, untagged: true });
  t.deepEqual(encode({ op: 'bridge.vlan.del', dev: 'veth1', vid: 4094 }), { op: 'bridgeVlanDel', dev: 'veth1', vid: 4094 });
  for (const vid of [0, 4095, 1.5, '100']) t.throws(() => encode({ op: 'bridge.vlan.add', dev: 'veth1', vid } as never), { message: /1\.\.4094/ });
  t.throws(() => encode({ op: 'bridge.vlan.del', dev: 'veth1', vid: 5, pvid: true }), { message: /bridge\.vlan\.add/ });
  t.like(encode({ op: 'link.add', name: 'br0', kind: 'bridge', vlanFiltering: true }), { vlanFiltering: true });
  t.throws(() => encode({ op: 'link.add', name: 'vx0', kind: 'vxlan', vxlan: { id: 1 }, vlanFiltering: true }), { message: /bridge setting/ });
});
