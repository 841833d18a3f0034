import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { FakeClock } from '../../../src/host/clock.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { assignRequested, candidates, type Range } from '../../../cni-plugins/host-local/allocator.js';
import { parseConfig } from '../../../cni-plugins/host-local/config.js';
import { hostLocalPlugin } from '../../../cni-plugins/host-local/host-local.js';
import { formatAddr, parseAddr, type Addr } from '../../../cni-plugins/host-local/ip.js';
import { DiskStore, MemoryStore, type Holder, type IpamStore } from '../../../cni-plugins/host-local/store.js';
import { runSkel } from '../../../src/cni/skel.js';
import type { NetConf } from '../../../src/cni/types.js';

// skiff-host-local in-process through the real skel, against a temp-dir store (no root).

const diskPlugin = hostLocalPlugin({ openStore: (dir) => new DiskStore(dir), readFile: (p) => readFile(p, 'utf8') });

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-host-local-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

type Json = Record<string, any>;

function netConf(dataDir: string, ipam: Json, extra: Json = {}): NetConf {
  return { cniVersion: '1.1.0', name: 'testnet', type: 'bridge', ipam: { type: 'host-local', dataDir, ...ipam }, ...extra };
}

const v4 = { ranges: [[{ subnet: '10.1.2.0/24' }]] };

interface Call {
  containerId?: string;
  ifname?: string;
  netns?: string | undefined;
  args?: string;
}

async function cni(command: string, conf: NetConf | string, call: Call = {}, plugin = diskPlugin) {
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: call.containerId ?? 'ctr1',
    CNI_NETNS: 'netns' in call ? call.netns : '/var/run/netns/test',
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_PATH: '/opt/cni/bin',
    CNI_ARGS: call.args,
  };
  const out = await runSkel(plugin, { env, stdin: typeof conf === 'string' ? conf : JSON.stringify(conf) });
  return { exitCode: out.exitCode, json: (out.stdout ? JSON.parse(out.stdout) : undefined) as Json | undefined };
}

async function add(conf: NetConf, call: Call = {}): Promise<string[]> {
  const r = await cni('ADD', conf, call);
  if (r.exitCode !== 0) throw new Error(`ADD failed: ${JSON.stringify(r.json)}`);
  return (r.json!.ips as { address: string }[]).map((ip) => ip.address);
}

const netDir = (dataDir: string) => join(dataDir, 'testnet');
const files = async (dataDir: string) => (await readdir(netDir(dataDir)).catch(() => [] as string[])).sort();

test('defaults: gateway .1 is skipped, the first address is .2, and the reservation is on disk in the reference format', async (t) => {
  const dir = await tempDir(t);
  const r = await cni('ADD', netConf(dir, v4));
  t.is(r.exitCode, 0);
  t.deepEqual(r.json, { cniVersion: '1.1.0', ips: [{ address: '10.1.2.2/24', gateway: '10.1.2.1' }] });
  t.is(await readFile(join(netDir(dir), '10.1.2.2'), 'utf8'), 'ctr1\r\neth0');
  t.is(await readFile(join(netDir(dir), 'last_reserved_ip.0'), 'utf8'), '10.1.2.2');
  t.deepEqual(await files(dir), ['10.1.2.2', 'last_reserved_ip.0']);
});

test('defaults: v4 ends before the broadcast address, v6 at the last address; the legacy single range is range set 0', (t) => {
  const cfg = parseConfig(netConf('/x', { subnet: '10.1.2.0/24', ranges: [[{ subnet: 'fd00:1::/120' }]] }));
  const text = (r: Range, v: bigint) => formatAddr({ family: r.family, value: v });
  const [a, b] = [cfg.rangeSets[0]![0]!, cfg.rangeSets[1]![0]!];
  t.deepEqual([text(a, a.start), text(a, a.end), text(a, a.gateway)], ['10.1.2.1', '10.1.2.254', '10.1.2.1']);
  t.deepEqual([text(b, b.start), text(b, b.end), text(b, b.gateway)], ['fd00:1::1', 'fd00:1::ff', 'fd00:1::1']);
  t.is(cfg.dataDir, '/x');
  t.is(parseConfig(netConf('', v4)).dataDir, '/var/lib/cni/networks');
});

test('allocation is round-robin after last_reserved_ip, wraps around, and never hands out the gateway', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, { ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.1', rangeEnd: '10.1.2.4' }]] });
  t.deepEqual(await add(conf, { containerId: 'a' }), ['10.1.2.2/24']);
  t.deepEqual(await add(conf, { containerId: 'b' }), ['10.1.2.3/24']);
  t.is((await cni('DEL', conf, { containerId: 'a' })).exitCode, 0);
  // .2 is free again, but the walk goes on from the last reservation first.
  t.deepEqual(await add(conf, { containerId: 'c' }), ['10.1.2.4/24']);
  t.deepEqual(await add(conf, { containerId: 'd' }), ['10.1.2.2/24']);
});

test('candidates: the reference order over several ranges, starting after the last reservation', (t) => {
  const r = (start: number, end: number, gateway: number): Range => ({ family: 4, network: 0n, prefix: 24, start: BigInt(start), end: BigInt(end), gateway: BigInt(gateway) });
  const set = [r(1, 4, 1), r(10, 12, 11)];
  const walk = (last?: number) => [...candidates(set, last === undefined ? undefined : { family: 4, value: BigInt(last) })].map((a) => Number(a.value));
  t.deepEqual(walk(), [2, 3, 4, 10, 12]);
  t.deepEqual(walk(3), [4, 10, 12, 2, 3]);
  t.deepEqual(walk(4), [10, 12, 2, 3, 4]);
  t.deepEqual(walk(12), [2, 3, 4, 10, 12]);
  t.deepEqual(walk(99), [2, 3, 4, 10, 12], 'a last address outside the set restarts at the first range');
  t.deepEqual(walk(7).length, 5);
});

test('dual stack: a v4 and a v6 range set give one address each, with routes as configured', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, {
    ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00:0:0:1::/64' }]],
    routes: [{ dst: '0.0.0.0/0' }, { dst: 'fd00:0:0:1::5/64', gw: 'fd00:0:0:1:0:0:0:1' }],
  });
  const r = await cni('ADD', conf);
  t.deepEqual(r.json, {
    cniVersion: '1.1.0',
    ips: [{ address: '10.1.2.2/24', gateway: '10.1.2.1' }, { address: 'fd00:0:0:1::2/64', gateway: 'fd00:0:0:1::1' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: 'fd00:0:0:1::5/64', gw: 'fd00:0:0:1::1' }],
  });
  t.deepEqual(await files(dir), ['10.1.2.2', 'fd00:0:0:1::2', 'last_reserved_ip.0', 'last_reserved_ip.1']);
  t.is(await readFile(join(netDir(dir), 'last_reserved_ip.1'), 'utf8'), 'fd00:0:0:1::2');
});

test('older spec versions get the version field per ip, from the skel', async (t) => {
  const dir = await tempDir(t);
  const r = await cni('ADD', { ...netConf(dir, v4), cniVersion: '0.4.0' });
  t.deepEqual(r.json, { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.2.2/24', gateway: '10.1.2.1' }] });
});

test('requested IP through CNI_ARGS: granted, then refused while taken; outside the ranges or the gateway is refused', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, v4);
  t.deepEqual(await add(conf, { args: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.2.50' }), ['10.1.2.50/24']);
  const taken = await cni('ADD', conf, { containerId: 'other', args: 'IP=10.1.2.50' });
  t.is(taken.json!.code, 999);
  t.is(taken.json!.msg, 'failed to allocate for range 0: requested IP address 10.1.2.50 is not available in range set 10.1.2.1-10.1.2.254');
  const outside = await cni('ADD', conf, { containerId: 'other', args: 'IP=10.9.9.9' });
  t.is(outside.json!.msg, 'failed to allocate all requested IPs: 10.9.9.9');
  const gateway = await cni('ADD', conf, { containerId: 'other', args: 'IP=10.1.2.1' });
  t.is(gateway.json!.msg, "failed to allocate for range 0: requested ip 10.1.2.1 is subnet's gateway");
  t.deepEqual(await files(dir), ['10.1.2.50', 'last_reserved_ip.0'], 'failed ADDs leave no reservation behind');
});

test('requested IPs: a comma list in CNI_ARGS covers both families; args.cni.ips and the ips capability work too', async (t) => {
  const dir = await tempDir(t);
  const dual = netConf(dir, { ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00::/64' }]] });
  t.deepEqual(await add(dual, { containerId: 'a', args: 'IP=10.1.2.60,fd00::60' }), ['10.1.2.60/24', 'fd00::60/64']);
  t.deepEqual(await add({ ...dual, args: { cni: { ips: ['fd00::61'] } } }, { containerId: 'b' }), ['10.1.2.61/24', 'fd00::61/64']);
  t.deepEqual(await add({ ...dual, runtimeConfig: { ips: ['10.1.2.70/24'] } }, { containerId: 'c' }), ['10.1.2.70/24', 'fd00::62/64']);
});

test('CNI_ARGS: unknown keys need IgnoreUnknown (code 4), as in the reference; a bad IP is code 4', async (t) => {
  const dir = await tempDir(t);
  const unknown = await cni('ADD', netConf(dir, v4), { args: 'K8S_POD_NAME=p' });
  t.is(unknown.json!.code, 4);
  t.regex(unknown.json!.details, /K8S_POD_NAME=p/);
  const badIp = await cni('ADD', netConf(dir, v4), { args: 'IP=10.1.2.300' });
  t.is(badIp.json!.code, 4);
  t.is(badIp.json!.msg, 'invalid CNI_ARGS IP');
});

test('the ipRanges capability is prepended as range set 0', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, { ranges: [[{ subnet: 'fd00::/64' }]] }, { runtimeConfig: { ipRanges: [[{ subnet: '10.7.0.0/16', rangeStart: '10.7.5.5' }]] } });
  t.deepEqual(await add(conf), ['10.7.5.5/16', 'fd00::2/64']);
});

test('exhaustion: the reference text, code 999, and no half-done dual-stack allocation', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, { ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.10', rangeEnd: '10.1.2.11' }], [{ subnet: 'fd00::/120', rangeStart: 'fd00::ff' }]] });
  t.deepEqual(await add(conf, { containerId: 'a' }), ['10.1.2.10/24', 'fd00::ff/120']);
  const r = await cni('ADD', conf, { containerId: 'b' });
  t.is(r.exitCode, 1);
  t.deepEqual(r.json, { cniVersion: '1.1.0', code: 999, msg: 'failed to allocate for range 1: no IP addresses available in range set: fd00::ff-fd00::ff' });
  t.false((await files(dir)).includes('10.1.2.11'), 'the v4 address taken before the v6 failure is released');
  // The v4 set alone: one more, then exhausted.
  const v4only = netConf(dir, { ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.10', rangeEnd: '10.1.2.11' }]] });
  t.deepEqual(await add(v4only, { containerId: 'c' }), ['10.1.2.11/24']);
  t.is((await cni('ADD', v4only, { containerId: 'd' })).json!.msg, 'failed to allocate for range 0: no IP addresses available in range set: 10.1.2.10-10.1.2.11');
});

test('a second ADD of the same attachment is refused as a duplicate, as in the reference', async (t) => {
  const dir = await tempDir(t);
  await add(netConf(dir, v4));
  const r = await cni('ADD', netConf(dir, v4));
  t.is(r.json!.msg, 'failed to allocate for range 0: 10.1.2.2 has been allocated to ctr1, duplicate allocation is not allowed');
  t.deepEqual(await add(netConf(dir, v4), { ifname: 'eth1' }), ['10.1.2.3/24'], 'another interface of the container is another attachment');
});

test('DEL releases only that (container, ifname), is idempotent, and needs no netns', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, { ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00::/64' }]] });
  await add(conf);
  await add(conf, { ifname: 'eth1' });
  t.is((await cni('DEL', conf, { netns: undefined })).exitCode, 0);
  t.deepEqual(await files(dir), ['10.1.2.3', 'fd00::3', 'last_reserved_ip.0', 'last_reserved_ip.1']);
  t.is((await cni('DEL', conf, { netns: undefined })).exitCode, 0, 'a second DEL succeeds');
  t.is((await cni('DEL', conf, { containerId: 'never-added' })).exitCode, 0, 'DEL of an unknown container succeeds');
  t.is((await cni('DEL', netConf(join(dir, 'no-such-dir'), v4))).exitCode, 0, 'DEL in a network never used succeeds');
  t.is((await cni('DEL', netConf(dir, { ranges: 'broken since ADD' }), { ifname: 'eth1' })).exitCode, 0, 'a config broken since ADD does not block DEL');
  t.deepEqual(await files(dir), ['last_reserved_ip.0', 'last_reserved_ip.1']);
});

test('DEL falls back to legacy one-line reservations (container ID only), as the reference', async (t) => {
  const dir = await tempDir(t);
  await add(netConf(dir, v4), { containerId: 'other' });
  await writeFile(join(netDir(dir), '10.1.2.77'), 'ctr1');
  t.is((await cni('DEL', netConf(dir, v4))).exitCode, 0);
  t.deepEqual(await files(dir), ['10.1.2.2', 'last_reserved_ip.0']);
});

test('CHECK: succeeds while the attachment holds an address, code 3 otherwise', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, v4);
  await add(conf);
  t.is((await cni('CHECK', conf)).exitCode, 0);
  const other = await cni('CHECK', conf, { ifname: 'eth1' });
  t.is(other.json!.code, 3);
  t.is(other.json!.msg, 'host-local: Failed to find address added by container ctr1');
  await cni('DEL', conf);
  t.is((await cni('CHECK', conf)).json!.code, 3);
});

test('GC frees exactly the reservations of attachments not in cni.dev/valid-attachments', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, v4);
  await add(conf, { containerId: 'keep' });
  await add(conf, { containerId: 'gone' });
  await add(conf, { containerId: 'keep', ifname: 'eth1' });
  const d = netDir(dir);
  await writeFile(join(d, '10.1.2.100'), 'legacy-keep');
  await writeFile(join(d, '10.1.2.101'), 'legacy-gone');
  await writeFile(join(d, '10.1.2.102'), ''); // an ADD between create and write
  await writeFile(join(d, '10.1.2.103'), ''); // a crash between create and write, long ago
  await utimes(join(d, '10.1.2.103'), new Date(0), new Date(0));
  await writeFile(join(d, 'lock'), '');
  const valid = [{ containerID: 'keep', ifname: 'eth0' }, { containerID: 'legacy-keep', ifname: 'eth0' }];
  const r = await cni('GC', { ...conf, 'cni.dev/valid-attachments': valid }, { containerId: '', ifname: '' });
  t.is(r.exitCode, 0, JSON.stringify(r.json));
  t.deepEqual(await files(dir), ['10.1.2.100', '10.1.2.102', '10.1.2.2', 'last_reserved_ip.0', 'lock']);
});

test('STATUS: ready when the data dir can be created; code 50 when it cannot', async (t) => {
  const dir = await tempDir(t);
  t.is((await cni('STATUS', netConf(join(dir, 'fresh', 'dir'), v4))).exitCode, 0);
  await writeFile(join(dir, 'a-file'), '');
  const r = await cni('STATUS', netConf(join(dir, 'a-file', 'sub'), v4));
  t.is(r.json!.code, 50);
  t.regex(r.json!.msg, /cannot write reservations under .*a-file\/sub\/testnet/);
  t.regex(r.json!.details, /ENOTDIR/);
});

test('ipam.resolvConf becomes the dns of the result', async (t) => {
  const dir = await tempDir(t);
  const resolv = join(dir, 'resolv.conf');
  await writeFile(resolv, '# comment\nnameserver 10.0.0.10\nnameserver 10.0.0.11\nsearch a.local b.local\ndomain a.local\noptions ndots:5 edns0\n');
  const r = await cni('ADD', netConf(dir, { ...v4, resolvConf: resolv }));
  t.deepEqual(r.json!.dns, { nameservers: ['10.0.0.10', '10.0.0.11'], search: ['a.local', 'b.local'], domain: 'a.local', options: ['ndots:5', 'edns0'] });
  const missing = await cni('ADD', netConf(dir, { ...v4, resolvConf: join(dir, 'none') }), { containerId: 'b' });
  t.is(missing.json!.code, 5);
});

const badConfigs: [string, Json, string][] = [
  ['no ipam section', { ipam: undefined }, 'ipam'],
  ['no ranges at all', { ipam: { type: 'host-local' } }, 'ipam.ranges'],
  ['an empty ranges list', { ipam: { type: 'host-local', ranges: [] } }, 'ipam.ranges'],
  ['an empty range set', { ipam: { type: 'host-local', ranges: [[]] } }, 'ipam.ranges[0]'],
  ['ranges not a list', { ipam: { type: 'host-local', ranges: {} } }, 'ipam.ranges'],
  ['a range not an object', { ipam: { type: 'host-local', ranges: [['10.0.0.0/8']] } }, 'ipam.ranges[0][0]'],
  ['a missing subnet', { ipam: { type: 'host-local', ranges: [[{ rangeStart: '10.1.2.5' }]] } }, 'ipam.ranges[0][0].subnet'],
  ['an invalid CIDR', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/33' }]] } }, 'ipam.ranges[0][0].subnet'],
  ['a subnet that is no CIDR', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0' }]] } }, 'ipam.ranges[0][0].subnet'],
  ['an invalid legacy subnet', { ipam: { type: 'host-local', subnet: 'bogus' } }, 'ipam.subnet'],
  ['host bits in the subnet', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.5/24' }]] } }, 'ipam.ranges[0][0].subnet'],
  ['a /31', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/31' }]] } }, 'ipam.ranges[0][0].subnet'],
  ['rangeStart outside the subnet', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.3.5' }]] } }, 'ipam.ranges[0][0].rangeStart'],
  ['rangeStart of the other family', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeStart: 'fd00::5' }]] } }, 'ipam.ranges[0][0].rangeStart'],
  ['rangeStart not an address', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeStart: 5 }]] } }, 'ipam.ranges[0][0].rangeStart'],
  ['rangeStart the network address', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.0' }]] } }, 'ipam.ranges[0][0].rangeStart'],
  ['rangeEnd the broadcast address', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeEnd: '10.1.2.255' }]] } }, 'ipam.ranges[0][0].rangeEnd'],
  ['rangeEnd outside the subnet', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeEnd: '10.1.3.5' }]] } }, 'ipam.ranges[0][0].rangeEnd'],
  ['rangeEnd before rangeStart', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.50', rangeEnd: '10.1.2.40' }]] } }, 'ipam.ranges[0][0].rangeEnd'],
  ['a gateway outside the subnet', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24', gateway: '10.1.3.1' }]] } }, 'ipam.ranges[0][0].gateway'],
  ['a legacy gateway outside the subnet', { ipam: { type: 'host-local', subnet: '10.1.2.0/24', gateway: '10.9.9.9' } }, 'ipam.gateway'],
  ['mixed families in a range set', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: 'fd00::/64' }]] } }, 'ipam.ranges[0][1].subnet'],
  ['overlapping ranges in a set', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: '10.1.2.128/25' }]] } }, 'ipam.ranges[0][1]'],
  ['overlapping range sets', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.0.0/16' }], [{ subnet: '10.1.2.0/24' }]] } }, 'ipam.ranges[1]'],
  ['the legacy range overlapping ranges', { ipam: { type: 'host-local', subnet: '10.1.2.0/24', ranges: [[{ subnet: '10.1.2.0/25' }]] } }, 'ipam.ranges[0]'],
  ['a route without dst', { ipam: { type: 'host-local', ...v4, routes: [{ gw: '10.1.2.1' }] } }, 'ipam.routes[0].dst'],
  ['a route with a bad gw', { ipam: { type: 'host-local', ...v4, routes: [{ dst: '0.0.0.0/0', gw: 'x' }] } }, 'ipam.routes[0].gw'],
  ['dataDir not a string', { ipam: { type: 'host-local', ...v4, dataDir: 5 } }, 'ipam.dataDir'],
  ['a network name with a slash', { name: '../escape' }, 'name'],
  ['a bad ips capability', { runtimeConfig: { ips: ['10.1.2.x'] } }, 'runtimeConfig.ips[0]'],
  ['a bad args.cni.ips', { args: { cni: { ips: 'not-a-list' } } }, 'args.cni.ips'],
  ['a bad ipRanges capability', { runtimeConfig: { ipRanges: [[{ subnet: 'nope' }]] } }, 'runtimeConfig.ipRanges[0][0].subnet'],
];

for (const [what, patch, field] of badConfigs) {
  test(`bad config, code 7 naming the field: ${what}`, async (t) => {
    const dir = await tempDir(t);
    const conf = { ...netConf(dir, v4), ...patch } as NetConf;
    if (patch.ipam) conf.ipam = { dataDir: dir, ...patch.ipam };
    for (const command of ['ADD', 'CHECK']) {
      const r = await cni(command, conf);
      t.is(r.exitCode, 1);
      t.is(r.json!.code, 7, `${command}: ${JSON.stringify(r.json)}`);
      t.is(r.json!.msg, `invalid ${field}`, `${command}: ${JSON.stringify(r.json)}`);
      t.truthy(r.json!.details);
    }
    t.deepEqual(await files(dir), [], 'nothing reserved');
  });
}

test('malformed JSON on stdin is code 6', async (t) => {
  const r = await cni('ADD', '{"cniVersion": "1.1.0", "name": ');
  t.is(r.exitCode, 1);
  t.is(r.json!.code, 6);
});

/** A store where another process wins `stolen` between our listing and our create. */
class RacingStore extends MemoryStore {
  constructor(private readonly stolen: Set<string>) {
    super();
  }

  override async reserve(ip: Addr, holder: Required<Holder>, rangeSet: number): Promise<boolean> {
    const name = formatAddr(ip);
    if (this.stolen.delete(name)) this.files.set(name, 'someone-else\r\neth0');
    return super.reserve(ip, holder, rangeSet);
  }
}

test('losing the O_EXCL race for an address moves on to the next one (in-memory store)', async (t) => {
  const store = new RacingStore(new Set(['10.1.2.2', '10.1.2.3']));
  const plugin = hostLocalPlugin({ openStore: () => store as IpamStore, readFile: () => Promise.reject(new Error('unused')) });
  const r = await cni('ADD', netConf('/unused', v4), {}, plugin);
  t.deepEqual(r.json!.ips, [{ address: '10.1.2.4/24', gateway: '10.1.2.1' }]);
  t.deepEqual([...store.files.keys()].sort(), ['10.1.2.2', '10.1.2.3', '10.1.2.4']);
  t.is(store.last.get(0), '10.1.2.4');
});

test('requested addresses: each range set takes the first one it contains, in set order; the rest are left over', (t) => {
  const r = (start: number, end: number, family: 4 | 6 = 4): Range => ({ family, network: 0n, prefix: 24, start: BigInt(start), end: BigInt(end), gateway: 0n });
  const a = (value: number, family: 4 | 6 = 4): Addr => ({ family, value: BigInt(value) });
  const sets = [[r(1, 9)], [r(1, 9, 6)], [r(10, 19)]];
  const { bySet, leftover } = assignRequested(sets, [a(15), a(3), a(4), a(5, 6), a(50)]);
  t.deepEqual(bySet, [a(3), a(5, 6), a(15)]);
  t.deepEqual(leftover, [a(4), a(50)]);
  t.deepEqual(assignRequested(sets, []), { bySet: [undefined, undefined, undefined], leftover: [] });
});

test('50 parallel in-process ADDs on one disk store get distinct addresses and leave no temp files; last_reserved_ip names one of them', async (t) => {
  const dir = await tempDir(t);
  const conf = netConf(dir, v4);
  const got = await Promise.all(Array.from({ length: 50 }, (_, i) => add(conf, { containerId: `c${i}` })));
  t.is(new Set(got.flat()).size, 50);
  const names = await files(dir);
  t.deepEqual(names.filter((n) => !/^10\.1\.2\.\d+$/.test(n)), ['last_reserved_ip.0']);
  t.true(got.flat().includes(`${await readFile(join(netDir(dir), 'last_reserved_ip.0'), 'utf8')}/24`));
  await Promise.all(Array.from({ length: 50 }, (_, i) => cni('DEL', conf, { containerId: `c${i}` })));
  t.deepEqual(await files(dir), ['last_reserved_ip.0']);
});

test('IPv4-mapped requested addresses are the v4 address, as in Go', (t) => {
  t.deepEqual(parseAddr('::ffff:10.1.2.3'), parseAddr('10.1.2.3'));
  const cfg = parseConfig(netConf('/x', v4, { runtimeConfig: { ips: ['::ffff:10.1.2.3'] } }));
  t.deepEqual(cfg.requested.map(formatAddr), ['10.1.2.3']);
});

test('address parsing accepts what Go accepts, and formats canonically', (t) => {
  const good: [string, string][] = [
    ['10.1.2.3', '10.1.2.3'], ['0.0.0.0', '0.0.0.0'], ['255.255.255.255', '255.255.255.255'],
    ['::', '::'], ['::1', '::1'], ['1::', '1::'], ['FD00:0:0:1::0002', 'fd00:0:0:1::2'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['::1.2.3.4', '::102:304'], ['64:ff9b::10.1.2.3', '64:ff9b::a01:203'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], ['::ffff:10.1.2.3', '10.1.2.3'],
  ];
  for (const [text, canonical] of good) t.is(formatAddr(parseAddr(text)!), canonical, text);
  const bad = ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1.2.3.-1', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8',
    '12345::', 'g::1', 'fe80::1%eth0', '::1.2.3', '1.2::3', ':1::2', '1:2:3:4:5:6:7', ' ::1'];
  for (const text of bad) t.is(parseAddr(text), undefined, text);
});

test('DiskStore: an empty reservation file is in flight for a minute of the injected clock, then a stale one', async (t) => {
  const dir = await tempDir(t);
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  await writeFile(join(dir, '10.1.2.7'), '');
  await utimes(join(dir, '10.1.2.7'), new Date(clock.now()), new Date(clock.now()));
  const store = new DiskStore(dir, clock);
  t.like((await store.list())[0], { containerId: '', inFlight: true });
  clock.advance(59_000);
  t.like((await store.list())[0], { inFlight: true });
  clock.advance(2_000);
  t.is((await store.list())[0]!.inFlight, undefined);
});
