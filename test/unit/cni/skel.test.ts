import test from 'ava';
import { runSkel, type Plugin } from '../../../src/cni/skel.js';
import { CniError } from '../../../src/cni/types.js';
import { convertResult, negotiate } from '../../../src/cni/version.js';

// The protocol, in-process: what any plugin answers to malformed input, before its own code runs.
const calls: string[] = [];
const plugin: Plugin = {
  name: 'probe',
  async add(ctx) {
    calls.push(`ADD ${ctx.version}`);
    return { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 1400, sandbox: ctx.args.netns }], ips: [{ address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 0 }], routes: [{ dst: '0.0.0.0/0', table: 100 }] };
  },
  async del() {},
  async check() {
    throw new CniError(7, 'bad thing', 'field x');
  },
  async gc(_ctx, valid) {
    calls.push(`GC ${valid.map((v) => v.containerID).join(',')}`);
  },
};
const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const conf = (o: object = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'net', type: 'probe', ...o });
const run = (e: Record<string, string | undefined>, stdin: string) => runSkel(plugin, { env: e, stdin });
const error = (stdout: string) => JSON.parse(stdout) as { code: number; msg: string; cniVersion: string };

test('malformed JSON is code 6', async (t) => {
  const out = await run(env, '{nope');
  t.is(out.exitCode, 1);
  t.is(error(out.stdout).code, 6);
});

test('an unknown cniVersion is code 1, and the error speaks that version', async (t) => {
  const out = await run(env, conf({ cniVersion: '9.9.9' }));
  t.deepEqual([out.exitCode, error(out.stdout).code, error(out.stdout).cniVersion], [1, 1, '9.9.9']);
});

test('missing CNI_COMMAND, CNI_NETNS or CNI_IFNAME is code 4', async (t) => {
  for (const missing of ['CNI_COMMAND', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_CONTAINERID']) {
    const out = await run({ ...env, [missing]: undefined }, conf());
    t.is(error(out.stdout).code, 4, missing);
    t.regex(error(out.stdout).msg, new RegExp(missing));
  }
  t.is(error((await run({ ...env, CNI_IFNAME: 'a/b' }, conf())).stdout).code, 4);
  t.is(error((await run({ ...env, CNI_CONTAINERID: '-bad' }, conf())).stdout).code, 4);
  t.is(error((await run({ ...env, CNI_ARGS: 'novalue' }, conf())).stdout).code, 4);
  t.is(error((await run({ ...env, CNI_COMMAND: 'FROB' }, conf())).stdout).code, 4);
});

test('DEL needs no netns (it may be gone)', async (t) => {
  const out = await run({ ...env, CNI_COMMAND: 'DEL', CNI_NETNS: undefined }, conf());
  t.deepEqual(out, { exitCode: 0, stdout: '' });
});

test('a plugin error is printed as {cniVersion, code, msg, details} with status 1', async (t) => {
  const out = await run({ ...env, CNI_COMMAND: 'CHECK' }, conf());
  t.is(out.exitCode, 1);
  t.deepEqual(JSON.parse(out.stdout), { cniVersion: '1.0.0', code: 7, msg: 'bad thing', details: 'field x' });
});

test('the result is written in the config version: 0.4.0 gets ip versions, 1.0.0 loses 1.1 fields', async (t) => {
  const v04 = JSON.parse((await run(env, conf({ cniVersion: '0.4.0' }))).stdout);
  t.is(v04.ips[0].version, '4');
  t.is(v04.interfaces[0].mtu, undefined);
  const v10 = JSON.parse((await run(env, conf())).stdout);
  t.is(v10.ips[0].version, undefined);
  t.is(v10.routes[0].table, undefined);
  const v11 = JSON.parse((await run(env, conf({ cniVersion: undefined, cniVersions: ['0.4.0', '1.1.0', '2.0.0'] }))).stdout);
  t.is(v11.cniVersion, '1.1.0');
  t.is(v11.routes[0].table, 100);
});

test('VERSION answers without a config and lists the versions', async (t) => {
  const out = await run({ CNI_COMMAND: 'VERSION' }, '');
  t.deepEqual(JSON.parse(out.stdout), { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

test.serial('GC hands the valid attachments to the plugin; a malformed list is code 7', async (t) => {
  calls.length = 0;
  const ok = await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }));
  t.is(ok.exitCode, 0);
  t.deepEqual(calls, ['GC a']);
  const bad = await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ id: 1 }] }));
  t.is(error(bad.stdout).code, 7);
});

test('negotiation picks the highest common version; results convert both ways', (t) => {
  t.is(negotiate(undefined, ['0.3.1', '1.0.0', '3.0.0']), '1.0.0');
  t.throws(() => negotiate(undefined, ['5.0.0']), { message: /incompatible/ });
  const old = { cniVersion: '0.3.1', ips: [{ version: '4' as const, address: '10.0.0.2/24' }] };
  t.deepEqual(convertResult(old, '1.1.0'), { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }] });
  t.throws(() => convertResult({ cniVersion: '0.2.0' }, '1.0.0'), { message: /unsupported/ });
});
