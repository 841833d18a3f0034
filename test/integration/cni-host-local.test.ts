import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { cniEnv, ExecRunner } from '../../src/cni/exec.js';
import type { Command } from '../../src/cni/types.js';

// The built skiff-host-local executable: under real concurrency (separate processes on one
// network) and against the reference host-local from containernetworking-plugins, which
// shares the on-disk store. No root needed: host-local touches no kernel state.

const OURS_DIR = new URL('../../dist/cni', import.meta.url).pathname;
const OURS = 'skiff-host-local';
const REF_DIR = '/usr/lib/cni';
const REF = 'host-local';
const haveRef = existsSync(join(REF_DIR, REF));
const refTest = haveRef ? test : test.skip;
if (!haveRef) test.skip(`SKIPPED: the reference ${REF_DIR}/${REF} is absent (apt-get install containernetworking-plugins)`, () => {});

const runner = new ExecRunner();

type Json = Record<string, any>;

interface Exec {
  exitCode: number;
  json: Json | undefined;
}

async function exec(impl: 'ours' | 'ref', command: Command, conf: Json, containerId: string, ifname = 'eth0', args: Record<string, string> = {}): Promise<Exec> {
  const [type, dir] = impl === 'ours' ? [OURS, OURS_DIR] : [REF, REF_DIR];
  const env = cniEnv(command, { containerId, netns: '/var/run/netns/none', ifname, args, path: [dir] });
  const out = await runner.run(type, env, JSON.stringify(conf), [dir]);
  return { exitCode: out.exitCode, json: out.stdout.trim() ? (JSON.parse(out.stdout) as Json) : undefined };
}

async function add(impl: 'ours' | 'ref', conf: Json, containerId: string, ifname = 'eth0', args: Record<string, string> = {}): Promise<Json> {
  const r = await exec(impl, 'ADD', conf, containerId, ifname, args);
  if (r.exitCode !== 0) throw new Error(`${impl} ADD ${containerId} failed: ${JSON.stringify(r.json)}`);
  return r.json!;
}

async function tempDir(t: ExecutionContext): Promise<string> {
  if (!existsSync(join(OURS_DIR, OURS))) throw new Error(`${OURS_DIR}/${OURS} is missing: run \`npm run build:cni\` first`);
  const dir = await mkdtemp(join(tmpdir(), 'skiff-host-local-it-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const conf = (dataDir: string, ipam: Json, cniVersion = '1.0.0'): Json => ({ cniVersion, name: 'itnet', type: 'bridge', ipam: { type: 'host-local', dataDir, ...ipam } });

/** The reference always prints "dns": {}; skiff leaves an empty dns out. */
function normalize(result: Json): Json {
  const { dns, ...rest } = result;
  return dns && Object.keys(dns).length ? { ...rest, dns } : rest;
}

/** The store as files and contents, without the reference's flock file. */
async function store(dataDir: string): Promise<Record<string, string>> {
  const dir = join(dataDir, 'itnet');
  const names = (await readdir(dir)).filter((n) => n !== 'lock').sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const)));
}

test('50 parallel ADD processes on one network get 50 distinct addresses; 50 parallel DELs free them all', async (t) => {
  const dir = await tempDir(t);
  const c = conf(dir, { ranges: [[{ subnet: '10.50.0.0/24' }]] });
  const ids = Array.from({ length: 50 }, (_, i) => `ctr${i}`);
  const results = await Promise.all(ids.map((id) => exec('ours', 'ADD', c, id)));
  for (const r of results) t.is(r.exitCode, 0, JSON.stringify(r.json));
  const addrs = results.map((r) => r.json!.ips[0].address as string);
  t.is(new Set(addrs).size, 50, `duplicates among ${addrs.join(' ')}`);
  // Every address is backed by exactly the file of the container it was given to.
  const files = await store(dir);
  ids.forEach((id, i) => t.is(files[addrs[i]!.split('/')[0]!], `${id}\r\neth0`));
  t.is(Object.keys(files).filter((n) => n.startsWith('10.')).length, 50);
  const dels = await Promise.all(ids.map((id) => exec('ours', 'DEL', c, id)));
  for (const r of dels) t.is(r.exitCode, 0, JSON.stringify(r.json));
  t.deepEqual(Object.keys(await store(dir)), ['last_reserved_ip.0']);
});

const interopCases: [string, Json, string][] = [
  ['v4 defaults', { ranges: [[{ subnet: '10.60.0.0/24' }]] }, '1.0.0'],
  ['dual stack with routes', { ranges: [[{ subnet: '10.61.0.0/24' }], [{ subnet: 'fd00:61::/64' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: 'fd00:61::/64', gw: 'fd00:61::1' }] }, '1.0.0'],
  ['legacy single range, 0.4.0 result', { subnet: '10.62.0.0/16', rangeStart: '10.62.3.250', rangeEnd: '10.62.4.2', gateway: '10.62.0.254' }, '0.4.0'],
  ['several ranges in a set, 0.3.1 result', { ranges: [[{ subnet: '10.63.0.0/30' }, { subnet: '10.63.1.0/29', rangeStart: '10.63.1.5' }]] }, '0.3.1'],
  ['v6 only, a small range', { ranges: [[{ subnet: 'fd00:64::/120', rangeStart: 'fd00:64::fd' }]] }, '1.0.0'],
];

for (const [what, ipam, version] of interopCases) {
  refTest(`the same config gives the same results and the same store as the reference: ${what}`, async (t) => {
    const [refDir, ourDir] = [await tempDir(t), await tempDir(t)];
    const both = async (command: Command, id: string) => {
      const [ref, ours] = [await exec('ref', command, conf(refDir, ipam, version), id), await exec('ours', command, conf(ourDir, ipam, version), id)];
      t.is(ours.exitCode, ref.exitCode, `${command} ${id}: ref ${JSON.stringify(ref.json)} ours ${JSON.stringify(ours.json)}`);
      if (ref.exitCode !== 0) t.is(ours.json?.msg, ref.json?.msg, `${command} ${id}`);
      else if (ref.json) t.deepEqual(normalize(ours.json!), normalize(ref.json), `${command} ${id}`);
    };
    // Enough ADDs to walk to the end of the small ranges, wrap around and run out.
    for (const id of ['a', 'b', 'c', 'd', 'e']) await both('ADD', id);
    await both('DEL', 'b');
    await both('ADD', 'f');
    t.deepEqual(await store(ourDir), await store(refDir));
  });
}

refTest('a requested IP through CNI_ARGS gives the same result as the reference', async (t) => {
  const [refDir, ourDir] = [await tempDir(t), await tempDir(t)];
  const ipam = { ranges: [[{ subnet: '10.65.0.0/24' }]] };
  const args = { IgnoreUnknown: '1', K8S_POD_NAME: 'p', IP: '10.65.0.77' };
  t.deepEqual(normalize(await add('ours', conf(ourDir, ipam), 'a', 'eth0', args)), normalize(await add('ref', conf(refDir, ipam), 'a', 'eth0', args)));
  const [ref, ours] = [await exec('ref', 'ADD', conf(refDir, ipam), 'b', 'eth0', args), await exec('ours', 'ADD', conf(ourDir, ipam), 'b', 'eth0', args)];
  t.is(ref.exitCode, 1);
  t.is(ours.exitCode, 1);
  t.is(ours.json!.msg, ref.json!.msg);
  t.deepEqual(await store(ourDir), await store(refDir));
});

refTest('each implementation DELs and CHECKs what the other ADDed, and continues its round-robin', async (t) => {
  const dir = await tempDir(t);
  const c = conf(dir, { ranges: [[{ subnet: '10.66.0.0/24' }], [{ subnet: 'fd00:66::/64' }]] });
  const addrs = (r: Json) => (r.ips as { address: string }[]).map((ip) => ip.address);
  t.deepEqual(addrs(await add('ref', c, 'r1')), ['10.66.0.2/24', 'fd00:66::2/64']);
  t.deepEqual(addrs(await add('ours', c, 'o1')), ['10.66.0.3/24', 'fd00:66::3/64'], 'ours continues after the reference');
  t.deepEqual(addrs(await add('ref', c, 'r2')), ['10.66.0.4/24', 'fd00:66::4/64'], 'the reference continues after ours');
  t.is((await exec('ours', 'CHECK', c, 'r1')).exitCode, 0);
  t.is((await exec('ref', 'CHECK', c, 'o1')).exitCode, 0);
  t.is((await exec('ours', 'DEL', c, 'r1')).exitCode, 0);
  t.is((await exec('ref', 'DEL', c, 'o1')).exitCode, 0);
  t.deepEqual(Object.keys(await store(dir)), ['10.66.0.4', 'fd00:66::4', 'last_reserved_ip.0', 'last_reserved_ip.1']);
  t.not((await exec('ours', 'CHECK', c, 'r1')).exitCode, 0);
  t.not((await exec('ref', 'CHECK', c, 'o1')).exitCode, 0);
});

refTest('ours and the reference ADD in parallel on one network: 40 distinct addresses', async (t) => {
  const dir = await tempDir(t);
  const c = conf(dir, { ranges: [[{ subnet: '10.67.0.0/24' }]] });
  const calls = Array.from({ length: 40 }, (_, i) => exec(i % 2 ? 'ours' : 'ref', 'ADD', c, `ctr${i}`));
  const results = await Promise.all(calls);
  for (const r of results) t.is(r.exitCode, 0, JSON.stringify(r.json));
  t.is(new Set(results.map((r) => r.json!.ips[0].address)).size, 40);
  t.is(Object.keys(await store(dir)).filter((n) => n.startsWith('10.')).length, 40);
});
