import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, watch } from 'node:fs';
import { chmod, copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { serveCni, type CniServer } from '../../src/cni/daemon/server.js';
import { cniEnv, ExecRunner, type PluginRunner } from '../../src/cni/exec.js';
import type { Command, NetConf } from '../../src/cni/types.js';
import type { Netlink } from '../../src/host/netlink/types.js';
import { encodeRequest, MAX_BODY } from '../../src/cni/daemon/frame.js';
import { bridgeState, host, netns, normalize, OURS, tempDir } from '../helpers/cni.js';
import { eventually, isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// dist/cni/skiff-<name> is native/cni-shim.c: it forwards the call to a daemon (serveCni, here
// in this test process, on a socket of its own) or, when none answers, runs its Node bundle.
// Both paths must be the same plugin: same JSON out, same exit status, same kernel state.
const rt = rootOnly(test);
const CLI = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;

async function daemon(t: ExecutionContext): Promise<CniServer> {
  const socket = join(await tempDir(t), 'run', 'cni.sock');
  const server = await serveCni({ socket, deps: host });
  t.teardown(() => server.close());
  return server;
}

/** The executables as a runtime in `node` would exec them, with SKIFF_CNI_SOCKET set. */
function shimRunner(socket: string, node?: string): PluginRunner {
  return new ExecRunner(['env', `SKIFF_CNI_SOCKET=${socket}`, ...(node ? ['nsenter', `--net=${node}`] : [])]);
}

/** A socket path nobody listens on: the executables fall back to their bundles. */
const NO_DAEMON = '/nonexistent/skiff-cni-test.sock';

interface Step {
  command: Command;
  conf: NetConf;
}

async function call(runner: PluginRunner, s: Step, netnsPath: string, stdin = JSON.stringify(s.conf)) {
  const env = cniEnv(s.command, { containerId: 'shim-c1', netns: netnsPath, ifname: s.conf.type === 'skiff-loopback' ? 'lo' : 'eth0', path: [OURS] });
  const out = await runner.run(s.conf.type, env, stdin, [OURS]);
  return { exitCode: out.exitCode, raw: out.stdout, result: out.stdout ? normalize(JSON.parse(out.stdout) as Record<string, unknown>) : undefined };
}

test('VERSION answers the same through the daemon and without one; the daemon counts the call', async (t) => {
  const server = await daemon(t);
  const env = { CNI_COMMAND: 'VERSION' };
  const stdin = '{"cniVersion":"0.4.0"}';
  const viaDaemon = await shimRunner(server.socket).run('skiff-bridge', env, stdin, [OURS]);
  t.is(server.served(), 1);
  const standalone = await shimRunner(NO_DAEMON).run('skiff-bridge', env, stdin, [OURS]);
  t.is(server.served(), 1);
  t.deepEqual(viaDaemon, standalone);
  t.like(JSON.parse(viaDaemon.stdout), { cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

test('malformed JSON on stdin gives the same CNI error and status through both paths', async (t) => {
  const server = await daemon(t);
  const env = cniEnv('ADD', { containerId: 'c1', netns: '/run/netns/none', ifname: 'eth0', path: [OURS] });
  for (const type of ['skiff-loopback', 'skiff-bridge', 'skiff-host-local', 'skiff-portmap']) {
    const viaDaemon = await shimRunner(server.socket).run(type, env, '{nope', [OURS]);
    const standalone = await shimRunner(NO_DAEMON).run(type, env, '{nope', [OURS]);
    t.deepEqual(viaDaemon, standalone, type);
    t.is(viaDaemon.exitCode, 1);
    t.is((JSON.parse(viaDaemon.stdout) as { code: number }).code, 6);
  }
  t.is(server.served(), 4);
});

test('many calls at once are all answered', async (t) => {
  const server = await daemon(t);
  const runs = Array.from({ length: 16 }, () => shimRunner(server.socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]));
  for (const out of await Promise.all(runs)) t.is(out.exitCode, 0, out.stdout);
  t.is(server.served(), 16);
});

test('an executable under a name the daemon does not know gets a CNI error, as does one without its bundle', async (t) => {
  const server = await daemon(t);
  const dir = await tempDir(t);
  await copyFile(join(OURS, 'skiff-loopback'), join(dir, 'skiff-nope'));
  const env = { CNI_COMMAND: 'VERSION' };
  const viaDaemon = await shimRunner(server.socket).run('skiff-nope', env, '', [dir]);
  t.is(viaDaemon.exitCode, 1);
  t.like(JSON.parse(viaDaemon.stdout), { code: 999, msg: 'skiff cni-server has no plugin "skiff-nope"' });
  const standalone = await shimRunner(NO_DAEMON).run('skiff-nope', env, '', [dir]);
  t.is(standalone.exitCode, 1);
  t.like(JSON.parse(standalone.stdout), { code: 999 });
  t.true((JSON.parse(standalone.stdout) as { details: string }).details.includes(join(dir, '.js', 'skiff-nope.js')));
});

test('a daemon that hangs up before answering is an error naming the socket, and the plugin does not run again', async (t) => {
  const socket = join(await tempDir(t), 'hangup.sock');
  let accepted = 0;
  const peer = createServer((c) => {
    accepted++;
    c.once('data', () => c.destroy());
  });
  await new Promise<void>((resolve) => peer.listen(socket, resolve));
  t.teardown(() => new Promise<void>((resolve) => peer.close(() => resolve())));
  const out = await shimRunner(socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
  t.is(out.exitCode, 1);
  const err = JSON.parse(out.stdout) as { code: number; msg: string; details: string };
  t.is(err.code, 999);
  t.true(err.details.startsWith(socket), err.details);
  t.is(accepted, 1);
});

test('an answer too large for a frame is a CNI error, and the daemon keeps serving', async (t) => {
  // A kernel error whose text alone is over the frame limit: the plugin's error JSON carries it.
  const netlink = { apply: () => Promise.reject(new Error('x'.repeat(MAX_BODY))) } as unknown as Netlink;
  const socket = join(await tempDir(t), 'big.sock');
  const server = await serveCni({ socket, deps: { ...host, netlink } });
  t.teardown(() => server.close());
  const env = cniEnv('ADD', { containerId: 'big1', netns: '/run/netns/none', ifname: 'lo', path: [OURS] });
  const out = await shimRunner(socket).run('skiff-loopback', env, JSON.stringify({ cniVersion: '1.1.0', name: 'big', type: 'skiff-loopback' }), [OURS]);
  t.is(out.exitCode, 1);
  t.like(JSON.parse(out.stdout), { code: 999, msg: 'skiff cni-server: the plugin\'s answer is too large to send' });
  const again = await shimRunner(socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
  t.is(again.exitCode, 0, again.stdout);
  t.is(server.served(), 2);
});

test('a malformed frame closes only its own connection', async (t) => {
  const server = await daemon(t);
  const closed = await new Promise<boolean>((resolve) => {
    const c = connect(server.socket, () => c.write('GET / HTTP/1.1\r\n\r\n'));
    c.on('data', () => resolve(false));
    c.on('close', () => resolve(true));
    c.on('error', () => {});
  });
  t.true(closed);
  const out = await shimRunner(server.socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
  t.is(out.exitCode, 0);
  t.is(server.served(), 1);
});

test('the socket is 0600 in a directory created 0700, and close() removes it', async (t) => {
  const socket = join(await tempDir(t), 'run', 'skiff', 'cni.sock');
  const server = await serveCni({ socket, deps: host });
  t.is((await stat(socket)).mode & 0o777, 0o600);
  t.is((await stat(dirname(socket))).mode & 0o777, 0o700);
  t.deepEqual(await readdir(dirname(socket)), ['cni.sock']);
  await server.close();
  t.deepEqual(await readdir(dirname(socket)), []);
});

test('a second server on a live socket is refused; a stale socket file is replaced', async (t) => {
  const server = await daemon(t);
  await t.throwsAsync(serveCni({ socket: server.socket, deps: host }), { message: /already listens/ });
  // A server killed with SIGKILL leaves its socket file behind.
  const stale = join(await tempDir(t), 'stale.sock');
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => child.on('exit', resolve));
  const again = await serveCni({ socket: stale, deps: host });
  t.teardown(() => again.close());
  const out = await shimRunner(stale).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
  t.is(out.exitCode, 0);
  t.is(again.served(), 1);
});

test('a socket that cannot be moved into place fails serveCni and leaves nothing listening', async (t) => {
  const dir = await tempDir(t);
  const socket = join(dir, 'cni.sock');
  // The server binds in a private directory beside the socket, then renames the socket into
  // place: a directory put at the socket's path as soon as that private directory appears
  // makes the rename fail after listen(2).
  const watcher = watch(dir, (_event, name) => {
    if (name?.startsWith('.cni-sock-')) mkdirSync(socket, { recursive: true });
  });
  t.teardown(() => watcher.close());
  await t.throwsAsync(serveCni({ socket, deps: host }), { code: 'EISDIR' });
  // /proc/net/unix names a listening socket by the path it was bound to, even once unlinked.
  const listening = (await readFile('/proc/net/unix', 'utf8')).split('\n').filter((line) => line.includes(dir));
  t.deepEqual(listening, []);
});

test('skiff cni-server serves the executables on --socket and removes it on SIGTERM', async (t) => {
  const socket = join(await tempDir(t), 'cni.sock');
  const child = spawn(process.execPath, [CLI, 'cni-server', '--socket', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(() => {
    if (!stderr.includes('serving on')) throw new Error(`not serving yet: ${stderr}`);
  }, 20_000);
  const out = await shimRunner(socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
  t.is(out.exitCode, 0, out.stdout);
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);
  await t.throwsAsync(stat(socket), { code: 'ENOENT' });
});

if (isRoot) {
  rt('loopback and bridge ADD, CHECK, DEL through the daemon act in the caller\'s namespace and answer as the standalone plugins', async (t) => {
    const server = await daemon(t);
    const bridge = uniq('b');
    const conf = (dataDir: string): NetConf => ({
      cniVersion: '1.1.0', name: 'shimnet', type: 'skiff-bridge', bridge, isGateway: true, isDefaultGateway: true, ipMasq: true,
      ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.93.0/24' }]], dataDir },
    });
    const lo: NetConf = { cniVersion: '1.1.0', name: 'shimlo', type: 'skiff-loopback' };
    const sides = {
      daemon: { node: await netns(t, 'n'), pod: await netns(t, 'p'), data: await tempDir(t), socket: server.socket },
      standalone: { node: await netns(t, 'n'), pod: await netns(t, 'p'), data: await tempDir(t), socket: NO_DAEMON },
    };
    const outcomes: Record<string, unknown[]> = {};
    const states: Record<string, unknown> = {};
    const tables: Record<string, string[]> = {};
    for (const [name, side] of Object.entries(sides)) {
      const runner = shimRunner(side.socket, side.node);
      const steps: { exitCode: number; raw?: string; result: unknown }[] = [await call(runner, { command: 'ADD', conf: lo }, side.pod)];
      steps.push(await call(runner, { command: 'ADD', conf: conf(side.data) }, side.pod));
      states[name] = await bridgeState(side.node, side.pod, bridge);
      tables[name] = (await host.nft.listTables(side.node)).map((tb) => `${tb.family} ${tb.name}`).sort();
      steps.push(await call(runner, { command: 'CHECK', conf: { ...conf(side.data), prevResult: JSON.parse(steps[1]!.raw!) } }, side.pod));
      steps.push(await call(runner, { command: 'DEL', conf: conf(side.data) }, side.pod));
      steps.push(await call(runner, { command: 'DEL', conf: lo }, side.pod));
      for (const step of steps) delete step.raw;
      outcomes[name] = steps;
    }
    t.is(server.served(), 5, 'every call on the daemon side went through the daemon, none on the other');
    t.deepEqual(outcomes.daemon, outcomes.standalone);
    t.like(outcomes.daemon![1], { exitCode: 0, result: { ips: [{ address: '10.244.93.2/24', gateway: '10.244.93.1' }] } });
    t.deepEqual(outcomes.daemon![2], { exitCode: 0, result: undefined }, 'CHECK passes');
    t.deepEqual(states.daemon, states.standalone);
    t.like(states.daemon, { bridge: { kind: 'bridge', up: true }, bridgeAddrs: ['10.244.93.1/24'], podAddrs: ['10.244.93.2/24'] });
    t.deepEqual(tables.daemon, tables.standalone, 'the ipMasq table is in the caller\'s node namespace');
    t.true(tables.daemon!.length > 0);
    t.false((await host.netlink.links()).some((l) => l.name === bridge), 'nothing in the daemon\'s own namespace');
    t.deepEqual((await host.netlink.links(sides.daemon.pod)).filter((l) => l.name === 'eth0'), [], 'DEL took the pod\'s eth0 back');
  });
}

if (isRoot) {
  rt('a shim in another mount namespace is refused: the daemon would resolve the call\'s paths among other files', async (t) => {
    const server = await daemon(t);
    // unshare(1) gives the shim a mount namespace of its own (a copy: the socket is still there).
    const unshared = new ExecRunner(['unshare', '--mount', 'env', `SKIFF_CNI_SOCKET=${server.socket}`]);
    const out = await unshared.run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
    t.is(out.exitCode, 1, out.stdout);
    const err = JSON.parse(out.stdout) as { code: number; msg: string };
    t.is(err.code, 999);
    t.regex(err.msg, /run skiff cni-server in the runtime's mount namespace/);
    t.is(server.served(), 1, 'refused by the daemon, not run by the fallback');
    const here = await shimRunner(server.socket).run('skiff-loopback', { CNI_COMMAND: 'VERSION' }, '', [OURS]);
    t.is(here.exitCode, 0, here.stdout);
  });

  /** A daemon on its own socket whose log lines the test reads. */
  async function loggingDaemon(t: ExecutionContext): Promise<{ server: CniServer; logs: string[] }> {
    const logs: string[] = [];
    const server = await serveCni({ socket: join(await tempDir(t), 'cni.sock'), deps: host, log: (line) => logs.push(line) });
    t.teardown(() => server.close());
    return { server, logs };
  }

  const bridgeConf = (bridge: string, subnet: string, ipam: Record<string, unknown>): NetConf => ({
    cniVersion: '1.1.0', name: 'undonet', type: 'skiff-bridge', bridge, isGateway: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet }]], ...ipam },
  });

  rt('a successful ADD whose caller hung up before the answer is taken back with a DEL', async (t) => {
    const { server, logs } = await loggingDaemon(t);
    const [node, pod, dataDir] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
    const bridge = uniq('b');
    // The frame names a live process in the node namespace, as the shim would be.
    const holder = spawn('nsenter', [`--net=${node}`, 'sleep', '600'], { stdio: 'ignore' });
    t.teardown(() => holder.kill('SIGKILL'));
    const nodeIno = (await stat(node, { bigint: true })).ino;
    await eventually(async () => {
      if ((await stat(`/proc/${holder.pid}/ns/net`, { bigint: true })).ino !== nodeIno) throw new Error('nsenter has not entered the node namespace yet');
    });
    const frame = encodeRequest({
      pid: holder.pid!, netnsInode: nodeIno, mntnsInode: (await stat('/proc/self/ns/mnt', { bigint: true })).ino, plugin: 'skiff-bridge',
      env: cniEnv('ADD', { containerId: 'undo-c1', netns: pod, ifname: 'eth0', path: [OURS] }),
      stdin: JSON.stringify(bridgeConf(bridge, '10.244.94.0/24', { dataDir })),
    });
    await new Promise<void>((resolve, reject) => {
      const c = connect(server.socket, () => c.write(frame, () => {
        c.destroy();
        resolve();
      }));
      c.on('error', reject);
    });
    await eventually(() => {
      if (server.served() !== 1) throw new Error('the ADD is not answered yet');
    }, 20_000);
    await server.close(); // waits for the call in flight, its DEL included
    t.true((await host.netlink.links(node)).some((l) => l.name === bridge), 'the ADD ran, in the node namespace');
    t.deepEqual((await host.netlink.links(pod)).filter((l) => l.name === 'eth0'), []);
    t.deepEqual((await readdir(join(dataDir, 'undonet'))).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)), [], 'no reservation left');
    t.true(logs.some((l) => l.includes('went away before the answer; ran DEL to take it back: exit 0')), logs.join('\n'));
  });

  rt('a shim killed mid-ADD: the call finishes in the namespace it came from, not its pid\'s, then is taken back', async (t) => {
    const { server, logs } = await loggingDaemon(t);
    const [node, pod, dir] = [await netns(t, 'n'), await netns(t, 'p'), await tempDir(t)];
    const bridge = uniq('b');
    // An exec'd IPAM that holds the ADD until the test lets it go (and records its DEL).
    const fifo = join(dir, 'go');
    execFileSync('mkfifo', [fifo]);
    await writeFile(join(dir, 'hold-ipam'), `#!/bin/sh
cat >/dev/null
if [ "$CNI_COMMAND" = ADD ]; then
  : > ${dir}/started
  read go < ${fifo}
  echo '{"cniVersion":"1.1.0","ips":[{"address":"10.244.95.2/24","gateway":"10.244.95.1"}]}'
else
  echo "$CNI_COMMAND $(readlink /proc/self/ns/net)" >> ${dir}/calls
fi
`);
    await chmod(join(dir, 'hold-ipam'), 0o755);
    const conf = { ...bridgeConf(bridge, '10.244.95.0/24', {}), ipam: { type: 'hold-ipam' } };
    const env = cniEnv('ADD', { containerId: 'undo-c2', netns: pod, ifname: 'eth0', path: [OURS, dir] });
    const shim = spawn('nsenter', [`--net=${node}`, join(OURS, 'skiff-bridge')], { env: { ...env, SKIFF_CNI_SOCKET: server.socket }, stdio: ['pipe', 'ignore', 'ignore'] });
    t.teardown(() => shim.kill('SIGKILL'));
    shim.stdin.end(JSON.stringify(conf));
    await eventually(() => stat(join(dir, 'started')), 20_000);
    // A runtime's timeout: the caller dies, its pid can be anyone's from now on.
    const exited = new Promise((resolve) => shim.on('exit', resolve));
    shim.kill('SIGKILL');
    await exited;
    await writeFile(fifo, 'go\n');
    await server.close();
    const nodeNs = `net:[${(await stat(node)).ino}]`;
    t.true(logs.some((l) => l.includes('went away before the answer; ran DEL to take it back: exit 0')), logs.join('\n'));
    t.deepEqual((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n'), [`DEL ${nodeNs}`], 'the IPAM DEL ran in the node namespace');
    t.deepEqual((await host.netlink.links(node)).filter((l) => l.master === bridge), [], 'no veth left on the bridge');
    t.deepEqual((await host.netlink.links(pod)).filter((l) => l.name === 'eth0'), []);
  });
}
