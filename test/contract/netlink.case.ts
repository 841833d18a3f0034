import type { TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { NetOp } from '../../src/host/netlink/types.js';
import { eventually, uniq } from '../helpers/names.js';
import { freshNetns, type ContractEnv } from './env.js';

// One suite, two kernels: run by test/unit against the fake and by test/integration
// against the real kernel inside throwaway namespaces. Where they disagree, the fake is wrong.

export function netlinkContract(test: TestFn, env: ContractEnv): void {
  const { netlink, sysctl } = env.host;
  const named = (title: string) => `${env.name} netlink: ${title}`;

  test(named('a new namespace holds only lo, down'), async (t) => {
    const ns = await freshNetns(t, env);
    const links = await netlink.links(ns);
    t.deepEqual(links.map((l) => [l.name, l.up]), [['lo', false]]);
    t.is(links[0]!.mtu, 65536);
  });

  test(named('veth created with its peer directly in another namespace'), async (t) => {
    const [a, b] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([{ op: 'link.add', name: 'host0', kind: 'veth', mtu: 1400, peer: { name: 'eth0', netns: b, mac: '02:00:00:aa:bb:01' } }], a);
    const [hostEnd] = (await netlink.links(a)).filter((l) => l.name === 'host0');
    const [podEnd] = (await netlink.links(b)).filter((l) => l.name === 'eth0');
    t.truthy(hostEnd && podEnd);
    t.is(hostEnd!.kind, 'veth');
    t.is(podEnd!.mtu, 1400);
    t.is(podEnd!.mac, '02:00:00:aa:bb:01');
    t.is(hostEnd!.parent, podEnd!.index);
    t.is(podEnd!.parent, hostEnd!.index);
  });

  test(named('duplicate link is EEXIST, missing link is ENODEV, with the op index'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge' }], ns);
    const dup = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge' }], ns));
    t.is(dup?.code, 'EEXIST');
    t.is(dup?.opIndex, 0);
    const missing = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.set', name: 'br0', up: true }, { op: 'link.set', name: 'nope0', up: true }], ns));
    t.is(missing?.code, 'ENODEV');
    t.is(missing?.opIndex, 1);
    t.regex(missing!.message, /nope0/);
    t.is((await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.del', name: 'nope0' }], ns)))?.code, 'ENODEV');
  });

  test(named('malformed input is EINVAL before anything is done, naming the object'), async (t) => {
    const ns = await freshNetns(t, env);
    const cases: [unknown, RegExp][] = [
      [{ op: 'link.add', name: 'a-very-long-name0', kind: 'bridge' }, /a-very-long-name0.*15/],
      [{ op: 'addr.add', dev: 'lo', cidr: '10.0.0.300/24' }, /10\.0\.0\.300/],
      [{ op: 'addr.add', dev: 'lo', cidr: '10.0.0.1/33' }, /33/],
      [{ op: 'route.add', dst: '10.1.2.3/24', dev: 'lo' }, /host bits/],
      [{ op: 'link.set', name: 'lo', mtu: 12 }, /mtu/],
      [{ op: 'link.set', name: 'lo', mac: 'zz' }, /MAC/],
      [{ op: 'link.add', name: 'v0', kind: 'veth' }, /peer/],
      [{ op: 'sysctl.set', key: 'net/../../etc/passwd', value: '1' }, /sysctl key/],
    ];
    for (const [op, message] of cases) {
      const err = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.add', name: 'ok0', kind: 'bridge' }, op as never], ns));
      t.is(err?.code, 'EINVAL');
      t.is(err?.syscall, 'validate');
      t.regex(err!.message, message);
    }
    t.deepEqual((await netlink.links(ns)).map((l) => l.name), ['lo']);
  });

  test(named('a missing namespace is ENOENT'), async (t) => {
    const err = await t.throwsAsync<HostError>(netlink.links(`${env.pinDir}/${uniq('gone')}`));
    t.is(err?.code, 'ENOENT');
  });

  test(named('addresses: add, list, duplicate EEXIST, delete, missing EADDRNOTAVAIL'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([
      { op: 'link.add', name: 'br0', kind: 'bridge' },
      { op: 'addr.add', dev: 'br0', cidr: '10.244.7.1/24' },
      { op: 'addr.add', dev: 'br0', cidr: 'fd00:7::1/64', noDad: true },
    ], ns);
    const mine = (await netlink.addrs(ns)).filter((a) => a.dev === 'br0' && !a.cidr.startsWith('fe80'));
    t.deepEqual(mine.map((a) => a.cidr).sort(), ['10.244.7.1/24', 'fd00:7::1/64']);
    t.is((await netlink.addrs(ns, 6)).filter((a) => a.cidr === '10.244.7.1/24').length, 0);
    t.is((await t.throwsAsync<HostError>(netlink.apply([{ op: 'addr.add', dev: 'br0', cidr: '10.244.7.1/24' }], ns)))?.code, 'EEXIST');
    await netlink.apply([{ op: 'addr.del', dev: 'br0', cidr: '10.244.7.1/24' }], ns);
    t.is((await t.throwsAsync<HostError>(netlink.apply([{ op: 'addr.del', dev: 'br0', cidr: '10.244.7.1/24' }], ns)))?.code, 'EADDRNOTAVAIL');
    t.is((await t.throwsAsync<HostError>(netlink.apply([{ op: 'addr.add', dev: 'nope0', cidr: '10.9.9.9/24' }], ns)))?.code, 'ENODEV');
  });

  test(named('routes: connected, via gateway, default, table and metric; EEXIST, ESRCH, ENETUNREACH'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([
      { op: 'link.add', name: 'br0', kind: 'bridge' },
      { op: 'addr.add', dev: 'br0', cidr: '10.244.8.1/24' },
      { op: 'link.set', name: 'br0', up: true },
      { op: 'route.add', dst: '10.96.0.0/12', via: '10.244.8.254', metric: 50 },
      { op: 'route.add', dst: 'default', via: '10.244.8.254', dev: 'br0' },
      { op: 'route.add', dst: '10.200.0.0/16', dev: 'br0', table: 100 },
    ], ns);
    const main = (await netlink.routes(ns, { family: 4 })).map((r) => `${r.dst} ${r.via || '-'} ${r.dev} ${r.scope} ${r.metric} ${r.src || '-'}`).sort();
    t.deepEqual(main, [
      '10.244.8.0/24 - br0 link 0 10.244.8.1',
      '10.96.0.0/12 10.244.8.254 br0 universe 50 -',
      'default 10.244.8.254 br0 universe 0 -',
    ]);
    const t100 = await netlink.routes(ns, { table: 100 });
    t.deepEqual(t100.map((r) => [r.dst, r.dev, r.scope, r.table]), [['10.200.0.0/16', 'br0', 'link', 100]]);
    const again = await t.throwsAsync<HostError>(netlink.apply([{ op: 'route.add', dst: '10.96.0.0/12', via: '10.244.8.254', metric: 50 }], ns));
    t.is(again?.code, 'EEXIST');
    const far = await t.throwsAsync<HostError>(netlink.apply([{ op: 'route.add', dst: '10.97.0.0/16', via: '192.168.77.1' }], ns));
    t.is(far?.code, 'ENETUNREACH');
    await netlink.apply([{ op: 'route.replace', dst: '10.96.0.0/12', via: '10.244.8.253', metric: 50 }], ns);
    t.true((await netlink.routes(ns)).some((r) => r.dst === '10.96.0.0/12' && r.via === '10.244.8.253'));
    await netlink.apply([{ op: 'route.del', dst: '10.96.0.0/12', metric: 50 }], ns);
    t.is((await t.throwsAsync<HostError>(netlink.apply([{ op: 'route.del', dst: '10.96.0.0/12', metric: 50 }], ns)))?.code, 'ESRCH');
  });

  test(named('IPv6 routes through an up link'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([
      { op: 'link.add', name: 'br0', kind: 'bridge' },
      { op: 'addr.add', dev: 'br0', cidr: 'fd00:8::1/64', noDad: true },
      { op: 'link.set', name: 'br0', up: true },
      { op: 'route.add', dst: 'fd00:96::/108', via: 'fd00:8::fe', dev: 'br0' },
    ], ns);
    const r = (await netlink.routes(ns, { family: 6 })).find((x) => x.dst === 'fd00:96::/108');
    t.like(r, { via: 'fd00:8::fe', dev: 'br0', metric: 1024, family: 6 });
  });

  test(named('bridge ports: master, hairpin, nomaster; a non-bridge master is EOPNOTSUPP'), async (t) => {
    const [ns, pod] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([
      { op: 'link.add', name: 'cni0', kind: 'bridge', mtu: 1450 },
      { op: 'link.add', name: 'veth1', kind: 'veth', peer: { name: 'eth0', netns: pod } },
      { op: 'link.set', name: 'veth1', master: 'cni0', up: true, hairpin: true },
      { op: 'link.set', name: 'cni0', up: true },
    ], ns);
    const port = (await netlink.links(ns)).find((l) => l.name === 'veth1');
    t.like(port, { master: 'cni0', hairpin: true, up: true });
    const bad = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.add', name: 'v2', kind: 'veth', peer: { name: 'v3' } }, { op: 'link.set', name: 'v3', master: 'v2' }], ns));
    t.is(bad?.code, 'EOPNOTSUPP');
    await netlink.apply([{ op: 'link.set', name: 'veth1', master: null }], ns);
    t.like((await netlink.links(ns)).find((l) => l.name === 'veth1'), { master: '', hairpin: false });
  });

  test(named('a link moved to another namespace leaves, goes down and loses its addresses'), async (t) => {
    const [a, b] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([
      { op: 'link.add', name: 'va', kind: 'veth', peer: { name: 'vb' } },
      { op: 'addr.add', dev: 'vb', cidr: '10.244.9.2/24' },
      { op: 'link.set', name: 'vb', up: true },
      { op: 'link.set', name: 'vb', netns: b },
    ], a);
    t.deepEqual((await netlink.links(a)).map((l) => l.name).sort(), ['lo', 'va']);
    t.like((await netlink.links(b)).find((l) => l.name === 'vb'), { up: false, kind: 'veth' });
    t.deepEqual((await netlink.addrs(b, 4)).filter((x) => x.dev === 'vb'), []);
    await netlink.apply([{ op: 'link.set', name: 'vb', rename: 'eth0', up: true }, { op: 'addr.add', dev: 'eth0', cidr: '10.244.9.2/24' }], b);
    t.deepEqual((await netlink.addrs(b, 4)).filter((x) => x.dev === 'eth0').map((x) => x.cidr), ['10.244.9.2/24']);
  });

  test(named('vxlan over an underlay link'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([
      { op: 'link.add', name: 'br0', kind: 'bridge', mtu: 1500 },
      { op: 'link.add', name: 'vx0', kind: 'vxlan', vxlan: { id: 4242, dev: 'br0', port: 8472, local: '10.0.0.1', learning: false } },
    ], ns);
    const links = await netlink.links(ns);
    const under = links.find((l) => l.name === 'br0')!;
    t.like(links.find((l) => l.name === 'vx0'), { kind: 'vxlan', mtu: 1450, parent: under.index });
  });

  test(named('a failed batch takes back what it did (links, addresses, settings, sysctls)'), async (t) => {
    const ns = await freshNetns(t, env);
    await netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge', mtu: 1500 }], ns);
    const before = { links: await netlink.links(ns), fwd: await sysctl.get('net.ipv4.ip_forward', ns) };
    const err = await t.throwsAsync<HostError>(netlink.apply([
      { op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '1' },
      { op: 'link.set', name: 'br0', mtu: 1300, up: true },
      { op: 'link.add', name: 'v0', kind: 'veth', peer: { name: 'v1' } },
      { op: 'link.set', name: 'v0', master: 'br0' },
      { op: 'addr.add', dev: 'br0', cidr: '10.244.10.1/24' },
      { op: 'link.add', name: 'br0', kind: 'bridge' },
    ], ns));
    t.is(err?.code, 'EEXIST');
    t.is(err?.opIndex, 5);
    const after = await netlink.links(ns);
    t.deepEqual(after.map((l) => [l.name, l.mtu, l.up]), before.links.map((l) => [l.name, l.mtu, l.up]));
    t.deepEqual((await netlink.addrs(ns, 4)).filter((a) => a.dev === 'br0'), []);
    t.is(await sysctl.get('net.ipv4.ip_forward', ns), before.fwd);
  });

  test(named('a batch setting an unknown sysctl fails as that op and changes nothing'), async (t) => {
    const ns = await freshNetns(t, env);
    const err = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge' }, { op: 'sysctl.set', key: 'net.ipv4.no_such_knob', value: '1' }], ns));
    t.is(err?.code, 'ENOENT');
    t.is(err?.opIndex, 1);
    t.deepEqual((await netlink.links(ns)).map((l) => l.name), ['lo']);
    const gone = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge' }], `${env.pinDir}/${uniq('gone')}`));
    t.is(gone?.code, 'ENOENT');
    t.is(gone?.opIndex, undefined);
  });

  test(named('ops that cannot be taken back must come last'), async (t) => {
    const ns = await freshNetns(t, env);
    const err = await t.throwsAsync<HostError>(netlink.apply([{ op: 'link.del', name: 'lo' }, { op: 'link.add', name: 'b0', kind: 'bridge' }], ns));
    t.is(err?.code, 'EINVAL');
    t.regex(err!.message, /last/);
  });

  test(named('sysctls are per namespace; unknown key ENOENT, bad value EINVAL'), async (t) => {
    const [a, b] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([{ op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '1' }], a);
    t.is(await sysctl.get('net.ipv4.ip_forward', a), '1');
    t.is(await sysctl.get('net/ipv4/ip_forward', b), '0');
    await netlink.apply([{ op: 'link.add', name: 'br0', kind: 'bridge' }], a);
    await sysctl.set('net.ipv4.conf.br0.forwarding', '1', a);
    t.is(await sysctl.get('net/ipv4/conf/br0/forwarding', a), '1');
    t.is((await t.throwsAsync<HostError>(sysctl.get('net.ipv4.no_such_knob', a)))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(sysctl.set('net.ipv4.ip_forward', 'yes', a)))?.code, 'EINVAL');
  });

  test(named('unpinning a namespace destroys its veths and their peers'), async (t) => {
    const [a, b] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([{ op: 'link.add', name: 'host1', kind: 'veth', peer: { name: 'eth0', netns: b } }], a);
    await env.host.netns.remove(b);
    await eventually(async () => {
      if ((await netlink.links(a)).some((l) => l.name === 'host1')) throw new Error('host end still there');
    });
    t.false(await env.host.netns.exists(b));
  });

  bridgeVlanContract(test, env);

  test(named('fifty batches in parallel in fifty namespaces'), async (t) => {
    const spaces = await Promise.all(Array.from({ length: 50 }, () => freshNetns(t, env)));
    await Promise.all(spaces.map((ns, i) => netlink.apply([
      { op: 'link.add', name: 'br0', kind: 'bridge' },
      { op: 'addr.add', dev: 'br0', cidr: `10.244.${i}.1/24` },
      { op: 'link.set', name: 'br0', up: true },
    ], ns)));
    const got = await Promise.all(spaces.map((ns) => netlink.addrs(ns, 4)));
    t.deepEqual(got.map((as) => as.find((a) => a.dev === 'br0')?.cidr), spaces.map((_, i) => `10.244.${i}.1/24`));
  });
}

/**
 * Bridge VLANs. A kernel built without CONFIG_BRIDGE_VLAN_FILTERING (this project's VMs) must
 * refuse them cleanly; one built with it (Debian's, most distributions') must behave as below.
 * The real kernel is probed; the fake is told which kind to be.
 */
export function bridgeVlanContract(test: TestFn, env: ContractEnv): void {
  const { netlink } = env.host;
  const named = (title: string) => `${env.name} netlink: ${title}`;
  const portVlans = async (ns: string, dev: string) =>
    (await netlink.bridgeVlans(ns)).filter((v) => v.dev === dev).map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`);
  const code = async (ops: NetOp[], ns: string) => (await netlink.apply(ops, ns).then(() => 'ok', (err: HostError) => err.code));

  test(named('bridge VLANs: filtering, PVID and untagged per port, delete, undo; EOPNOTSUPP where the kernel lacks them'), async (t) => {
    const [ns, pod] = [await freshNetns(t, env), await freshNetns(t, env)];
    await netlink.apply([
      { op: 'link.add', name: 'cni0', kind: 'bridge' },
      { op: 'link.add', name: 'veth1', kind: 'veth', peer: { name: 'eth0', netns: pod } },
      { op: 'link.set', name: 'veth1', master: 'cni0', up: true },
      { op: 'link.add', name: 'lone0', kind: 'veth', peer: { name: 'lone1' } },
    ], ns);
    t.like((await netlink.links(ns)).find((l) => l.name === 'cni0'), { vlanFiltering: false });
    const supported = (await code([{ op: 'link.set', name: 'cni0', vlanFiltering: true }], ns)) === 'ok';
    if (env.bridgeVlans !== undefined) t.is(supported, env.bridgeVlans);
    // Refused whatever the kernel: VLANs of a link with no bridge master, filtering of a non-bridge.
    t.is(await code([{ op: 'bridge.vlan.add', dev: 'lone0', vid: 100, pvid: true, untagged: true }], ns), 'EOPNOTSUPP');
    t.is(await code([{ op: 'bridge.vlan.del', dev: 'lone0', vid: 1 }], ns), 'EOPNOTSUPP');
    t.is(await code([{ op: 'link.set', name: 'lone0', vlanFiltering: false }], ns), 'EOPNOTSUPP');
    t.is(await code([{ op: 'bridge.vlan.add', dev: 'veth1', vid: 4095 }], ns), 'EINVAL');
    t.is(await code([{ op: 'link.add', name: 'v9', kind: 'veth', peer: { name: 'v8' }, vlanFiltering: true }], ns), 'EINVAL');

    if (!supported) {
      t.log(`${env.name}: no bridge VLAN filtering in this kernel (CONFIG_BRIDGE_VLAN_FILTERING off): checking the refusals`);
      t.is(await code([{ op: 'link.add', name: 'br1', kind: 'bridge', vlanFiltering: true }], ns), 'EOPNOTSUPP');
      t.is(await code([{ op: 'link.add', name: 'br1', kind: 'bridge', vlanFiltering: false }], ns), 'EOPNOTSUPP', 'even 0 is refused: send it only to turn filtering on');
      t.is(await code([{ op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true }], ns), 'EOPNOTSUPP');
      t.is(await code([{ op: 'bridge.vlan.del', dev: 'veth1', vid: 100 }], ns), 'ok', 'the kernel ignores a delete of what a port lacks');
      t.deepEqual(await netlink.bridgeVlans(ns), []);
      const err = await t.throwsAsync<HostError>(netlink.apply([
        { op: 'link.add', name: 'v9', kind: 'veth', peer: { name: 'v8' } },
        { op: 'link.set', name: 'v9', master: 'cni0', up: true },
        { op: 'bridge.vlan.add', dev: 'v9', vid: 100, pvid: true, untagged: true },
      ], ns));
      t.like(err, { code: 'EOPNOTSUPP', opIndex: 2 });
      t.false((await netlink.links(ns)).some((l) => l.name === 'v9'), 'the batch was taken back');
      return;
    }

    t.like((await netlink.links(ns)).find((l) => l.name === 'cni0'), { vlanFiltering: true });
    // A bridge and each new port start with VLAN 1 as PVID, untagged.
    t.deepEqual(await portVlans(ns, 'cni0'), ['1 pvid untagged']);
    t.deepEqual(await portVlans(ns, 'veth1'), ['1 pvid untagged']);
    await netlink.apply([{ op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true }, { op: 'bridge.vlan.add', dev: 'veth1', vid: 200 }], ns);
    t.deepEqual(await portVlans(ns, 'veth1'), ['1 untagged', '100 pvid untagged', '200'], 'the PVID moved to 100; 1 stays a member');
    // Adding a VLAN the port has replaces its flags.
    await netlink.apply([{ op: 'bridge.vlan.add', dev: 'veth1', vid: 100 }, { op: 'bridge.vlan.del', dev: 'veth1', vid: 200 }, { op: 'bridge.vlan.del', dev: 'veth1', vid: 300 }], ns);
    t.deepEqual(await portVlans(ns, 'veth1'), ['1 untagged', '100']);
    await netlink.apply([{ op: 'bridge.vlan.add', dev: 'veth1', vid: 100, pvid: true, untagged: true }, { op: 'bridge.vlan.del', dev: 'veth1', vid: 1 }], ns);
    t.deepEqual(await portVlans(ns, 'veth1'), ['100 pvid untagged']);

    // A failed batch takes back VLAN changes and the filtering switch.
    const err = await t.throwsAsync<HostError>(netlink.apply([
      { op: 'link.set', name: 'cni0', vlanFiltering: false },
      { op: 'bridge.vlan.add', dev: 'veth1', vid: 300, pvid: true, untagged: true },
      { op: 'bridge.vlan.del', dev: 'veth1', vid: 100 },
      { op: 'bridge.vlan.add', dev: 'veth1', vid: 1 },
      { op: 'link.add', name: 'cni0', kind: 'bridge' },
    ], ns));
    t.like(err, { code: 'EEXIST', opIndex: 4 });
    t.deepEqual(await portVlans(ns, 'veth1'), ['100 pvid untagged']);
    t.like((await netlink.links(ns)).find((l) => l.name === 'cni0'), { vlanFiltering: true });
    // Leaving the bridge flushes the port's VLANs; a failed batch that moved it puts them back.
    const moved = await t.throwsAsync<HostError>(netlink.apply([
      { op: 'link.add', name: 'br1', kind: 'bridge', vlanFiltering: true },
      { op: 'link.set', name: 'veth1', master: 'br1' },
      { op: 'link.add', name: 'br1', kind: 'bridge' },
    ], ns));
    t.like(moved, { code: 'EEXIST', opIndex: 2 });
    t.like((await netlink.links(ns)).find((l) => l.name === 'veth1'), { master: 'cni0' });
    t.deepEqual(await portVlans(ns, 'veth1'), ['100 pvid untagged']);
    await netlink.apply([{ op: 'link.set', name: 'veth1', master: null }], ns);
    t.deepEqual(await portVlans(ns, 'veth1'), []);
    await netlink.apply([{ op: 'link.add', name: 'br2', kind: 'bridge', vlanFiltering: true }], ns);
    t.like((await netlink.links(ns)).find((l) => l.name === 'br2'), { vlanFiltering: true });
  });
}
