import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { builtinRunner } from '../../../../src/cni/builtins.js';
import { ExecRunner } from '../../../../src/cni/exec.js';
import { CniInvoker } from '../../../../src/cni/invoker/invoker.js';
import type { NetConf, NetConfList } from '../../../../src/cni/types.js';
import type { CriError } from '../../../../src/cri/errors.js';
import type { PodSandboxConfig__Output } from '../../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { plannedResources, removeSandbox, setupSandbox, teardownNetwork, type SandboxDeps } from '../../../../src/cri/sandbox/index.js';
import { RealFiles } from '../../../../src/host/files/real.js';
import { fakeHost } from '../../../../src/host/index.js';

// setupSandbox / teardownNetwork / removeSandbox over the fake kernel, with skiff's own CNI
// plugins in-process (bridge + host-local on a temp dir + portmap): what a pod gets, and
// that failures and removal leave nothing behind.

function pod(over: Partial<PodSandboxConfig__Output> = {}, network: 'POD' | 'NODE' = 'POD', ipc: 'POD' | 'NODE' = 'POD', sysctls: Record<string, string> = {}): PodSandboxConfig__Output {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', attempt: 0 }, hostname: 'web', logDirectory: '', dnsConfig: null,
    portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }], labels: {}, annotations: {},
    linux: {
      cgroupParent: '', sysctls, overhead: null, resources: null,
      securityContext: { namespaceOptions: { network, ipc, pid: 'CONTAINER', targetId: '', usernsOptions: null } } as never,
    },
    windows: null,
    ...over,
  };
}

const bridge = (dataDir: string): NetConf => ({
  cniVersion: '1.1.0', name: 'pods', type: 'skiff-bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.7.0/24' }]], dataDir },
});
const portmap: NetConf = { cniVersion: '1.1.0', name: 'pods', type: 'skiff-portmap', capabilities: { portMappings: true } };

async function env(t: ExecutionContext, extra: NetConf[] = []) {
  const root = await mkdtemp(join(tmpdir(), 'skiff-sbx-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const [runDir, dataDir, cacheDir] = ['run', 'ipam', 'cache'].map((d) => join(root, d)) as [string, string, string];
  await writeFile(join(root, 'hosts'), '10.0.0.1 node\n');
  await writeFile(join(root, 'resolv.conf'), 'nameserver 192.0.2.53\n');
  const host = fakeHost();
  // Unknown plugin types go to an exec runner with no plugin dirs: "failed to find plugin".
  const runner = builtinRunner({ ...host, fallback: new ExecRunner() });
  const list: NetConfList = { cniVersion: '1.1.0', name: 'pods', plugins: [bridge(dataDir), portmap, ...extra] };
  const deps: SandboxDeps = {
    files: new RealFiles(),
    host, runDir, network: { invoker: new CniInvoker({ runner, paths: [join(root, 'bin')], cacheDir }), list },
    etc: { hostsFile: join(root, 'hosts'), resolvConf: join(root, 'resolv.conf'), hostname: () => 'node-1' },
  };
  /** What a pod may leave on the node: pins, mounts, veths on the bridge, addresses reserved, cached results, pod dirs. */
  const leftovers = async () => ({
    pins: [...host.kernel.state.pins.keys()],
    mounts: (await host.mounter.list(root)).map((m) => m.target),
    ports: (await host.netlink.links()).filter((l) => l.master === 'cni0').map((l) => l.name),
    reserved: (await readdir(join(dataDir, 'pods')).catch(() => [] as string[])).filter((f) => /^\d/.test(f)),
    cached: await readdir(join(cacheDir, 'results')).catch(() => [] as string[]),
    dirs: (await readdir(runDir).catch(() => [] as string[])).filter((d) => d !== '.pins'),
  });
  const clean = { pins: [], mounts: [], ports: [], reserved: [], cached: [], dirs: [] };
  return { host, deps, leftovers, clean, runDir };
}

test('a pod gets its namespaces, lo up, eth0 with an address, files, shm and sysctls; teardown and removal leave nothing, twice', async (t) => {
  const { host, deps, leftovers, clean, runDir } = await env(t);
  const config = pod({}, 'POD', 'POD', { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shm_rmid_forced': '1' });
  const res = await setupSandbox(deps, 'sb1', config);
  t.like(res, {
    dir: join(runDir, 'sb1'), netns: join(runDir, '.pins/sb1-net'), ipc: join(runDir, '.pins/sb1-ipc'), uts: join(runDir, '.pins/sb1-uts'),
    hostname: 'web', shm: join(runDir, 'sb1/shm'), ip: '10.244.7.2', additionalIps: [], ipcSysctls: { 'kernel.shm_rmid_forced': '1' },
  });
  for (const pin of [res.netns!, res.ipc!, res.uts!]) t.true(await host.netns.exists(pin));
  const links = await host.netlink.links(res.netns);
  t.like(links.find((l) => l.name === 'lo'), { up: true });
  t.like(links.find((l) => l.name === 'eth0'), { up: true });
  t.is(await host.sysctl.get('net.ipv4.ip_unprivileged_port_start', res.netns), '0');
  t.deepEqual((await host.mounter.list(res.dir)).map((m) => [m.target, m.fstype]), [[res.shm, 'tmpfs']]);
  t.is(await readFile(res.hostnameFile, 'utf8'), 'web\n');
  const mapped = await host.nft.listTable('ip', 'skiff-portmap').catch(() => undefined);
  t.truthy(mapped, 'portmap got the host port');

  await teardownNetwork(deps, 'sb1', config, res);
  await teardownNetwork(deps, 'sb1', config, res);
  t.deepEqual((await leftovers()).reserved, []);
  await removeSandbox(deps, res);
  await removeSandbox(deps, res);
  t.deepEqual(await leftovers(), clean);
  await teardownNetwork(deps, 'sb1', config, res); // after removal too: the netns is gone, DEL still succeeds
});

test('a plugin that does not exist fails the ADD after bridge and IPAM ran: everything is undone', async (t) => {
  const { deps, leftovers, clean } = await env(t, [{ cniVersion: '1.1.0', name: 'pods', type: 'skiff-no-such-plugin' }]);
  await t.throwsAsync(setupSandbox(deps, 'sb1', pod()), { message: /failed to find plugin "skiff-no-such-plugin"/ });
  t.deepEqual(await leftovers(), clean);
});

test('a sysctl the kernel does not have fails after ADD: DEL, unpin, unmount, remove', async (t) => {
  const { deps, leftovers, clean } = await env(t);
  const err = await t.throwsAsync(setupSandbox(deps, 'sb1', pod({}, 'POD', 'POD', { 'net.ipv4.conf.eth9.forwarding': '1' })));
  t.regex(err!.message, /eth9/);
  t.deepEqual(await leftovers(), clean);
});

test('refused before anything exists: a node-wide sysctl, no CNI config for a pod network, a bad id', async (t) => {
  const { deps, leftovers, clean } = await env(t);
  t.is((await t.throwsAsync<CriError>(setupSandbox(deps, 'sb1', pod({}, 'POD', 'POD', { 'vm.overcommit_memory': '1' }))))?.kind, 'invalidArgument');
  const noCni = { ...deps, network: undefined };
  const err = await t.throwsAsync<CriError>(setupSandbox(noCni, 'sb1', pod()));
  t.is(err?.kind, 'failedPrecondition');
  t.regex(err!.message, /no CNI configuration/);
  t.is((await t.throwsAsync<CriError>(setupSandbox(deps, '../x', pod())))?.kind, 'invalidArgument');
  t.deepEqual(await leftovers(), clean);
});

test('host network and host ipc: no pins but ipc, no CNI (none needed), the node\'s files and name, no shm', async (t) => {
  const { host, deps, leftovers, clean } = await env(t);
  const noCni = { ...deps, network: undefined };
  const res = await setupSandbox(noCni, 'h1', pod({}, 'NODE', 'NODE'));
  t.deepEqual([res.netns, res.uts, res.ipc, res.shm, res.ip], [undefined, undefined, undefined, undefined, undefined]);
  t.is(res.hostname, 'node-1');
  t.is(await readFile(res.hostsFile, 'utf8'), '10.0.0.1 node\n');
  t.is(await readFile(res.resolvConf, 'utf8'), 'nameserver 192.0.2.53\n');
  const ipcOnly = await setupSandbox(noCni, 'h2', pod({}, 'NODE', 'POD'));
  t.deepEqual([ipcOnly.netns, ipcOnly.uts], [undefined, undefined]);
  t.true(await host.netns.exists(ipcOnly.ipc!));
  t.truthy(ipcOnly.shm);
  for (const r of [res, ipcOnly]) {
    await teardownNetwork(noCni, 'x', pod(), r);
    await removeSandbox(noCni, r);
  }
  t.deepEqual(await leftovers(), clean);
});

test('an id in use is refused and the existing pod is untouched', async (t) => {
  const { host, deps } = await env(t);
  const res = await setupSandbox(deps, 'sb1', pod());
  await t.throwsAsync(setupSandbox(deps, 'sb1', pod()), { code: 'EEXIST' });
  t.true(await host.netns.exists(res.netns!));
  t.is(await readFile(res.hostnameFile, 'utf8'), 'web\n');
  await teardownNetwork(deps, 'sb1', pod(), res);
  await removeSandbox(deps, res);
});

test('teardown without a CNI config says why; the pod network is still removable afterwards', async (t) => {
  const { deps, leftovers, clean } = await env(t);
  const res = await setupSandbox(deps, 'sb1', pod());
  await t.throwsAsync(teardownNetwork({ ...deps, network: undefined }, 'sb1', pod(), res), { message: /no CNI configuration/ });
  await teardownNetwork(deps, 'sb1', pod(), res);
  await removeSandbox(deps, res);
  t.deepEqual(await leftovers(), clean);
});

test('a crash in the middle of setup is cleaned up from the planned resources alone', async (t) => {
  const { deps, leftovers, clean, runDir } = await env(t);
  const res = await setupSandbox(deps, 'sb1', pod());
  const planned = plannedResources(runDir, 'sb1', pod());
  t.like(res, { dir: planned.dir, netns: planned.netns, ipc: planned.ipc, uts: planned.uts, shm: planned.shm, hostsFile: planned.hostsFile });
  await teardownNetwork(deps, 'sb1', pod(), planned);
  await removeSandbox(deps, planned);
  t.deepEqual(await leftovers(), clean);
});
