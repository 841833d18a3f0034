import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import test, { type ExecutionContext } from 'ava';
import { builtinRunner } from '../../src/cni/builtins.js';
import { CniInvoker } from '../../src/cni/invoker/invoker.js';
import type { NetConf, NetConfList } from '../../src/cni/types.js';
import type { PodSandboxConfig__Output } from '../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { pinDir, removeSandbox, setupSandbox, teardownNetwork, type SandboxDeps, type SandboxResources } from '../../src/cri/sandbox/index.js';
import { RealFiles } from '../../src/host/files/real.js';
import { host, netns, OURS, runnerIn, tempDir } from '../helpers/cni.js';
import { isRoot, uniq } from '../helpers/names.js';
import { tcpGet, tcpServer } from '../helpers/process.js';
import { rootOnly } from '../helpers/root.js';

// Pod sandboxes on the real kernel, inside a private "node" netns: skiff's plugins act
// there (bridge, host-local, portmap), the pod's namespaces are pinned under a temp run dir.

const rt = rootOnly(test);

function pod(sysctls: Record<string, string> = {}): PodSandboxConfig__Output {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', attempt: 0 }, hostname: 'web-0', logDirectory: '', dnsConfig: null,
    portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }], labels: {}, annotations: {},
    linux: {
      cgroupParent: '', sysctls, overhead: null, resources: null,
      securityContext: { namespaceOptions: { network: 'POD', ipc: 'POD', pid: 'CONTAINER', targetId: '', usernsOptions: null } } as never,
    },
    windows: null,
  };
}

/** A node netns, a conflist (bridge + host-local on a subnet of its own + portmap) run in it, and a run dir. */
async function node(t: ExecutionContext, extra: NetConf[] = []) {
  const [root, dataDir, cacheDir] = [await tempDir(t), await tempDir(t), await tempDir(t)];
  const runDir = `${root}/run`;
  // The pin dir becomes a shared mount point on first use: gone before the temp dir is removed.
  t.teardown(() => host.mounter.unmount(pinDir(runDir), { detach: true }).catch(() => {}));
  const nodeNs = await netns(t, 'n');
  // A node's lo is up: its own addresses answer (or refuse) once the host port is gone.
  await host.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], nodeNs);
  const bridge = uniq('br');
  const octet = 1 + Math.floor(Math.random() * 250);
  const subnet = `10.244.${octet}.0/24`;
  const list: NetConfList = {
    cniVersion: '1.1.0', name: 'pods',
    plugins: [
      { cniVersion: '1.1.0', name: 'pods', type: 'skiff-bridge', bridge, isGateway: true, isDefaultGateway: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet }]], dataDir } },
      { cniVersion: '1.1.0', name: 'pods', type: 'skiff-portmap', capabilities: { portMappings: true } },
      ...extra,
    ],
  };
  const runner = builtinRunner({ ...host, hostNetns: nodeNs, fallback: runnerIn(nodeNs) });
  const deps: SandboxDeps = { host, files: new RealFiles(), runDir, network: { invoker: new CniInvoker({ runner, paths: [OURS], cacheDir }), list } };
  const leftovers = async () => ({
    reserved: (await readdir(`${dataDir}/pods`).catch(() => [] as string[])).filter((f) => /^\d/.test(f)),
    ports: (await host.netlink.links(nodeNs)).filter((l) => l.master === bridge).map((l) => l.name),
    mounts: (await host.mounter.list(runDir)).map((m) => m.target).filter((m) => m !== pinDir(runDir)),
    pins: await readdir(pinDir(runDir)).catch(() => [] as string[]),
    dirs: (await readdir(runDir).catch(() => [] as string[])).filter((d) => d !== '.pins'),
    cached: await readdir(`${cacheDir}/results`).catch(() => [] as string[]),
  });
  const clean = { reserved: [], ports: [], mounts: [], pins: [], dirs: [], cached: [] };
  return { deps, nodeNs, gateway: `10.244.${octet}.1`, octet, leftovers, clean };
}

/** Output of a command run with nsenter. */
function nsenter(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`nsenter ${args.join(' ')} exited with ${code}`))));
  });
}

if (isRoot) {
  rt('a pod is reachable from its node by ping, TCP and its host port; teardown and removal (twice) leave nothing', async (t) => {
    const { deps, nodeNs, gateway, octet, leftovers, clean } = await node(t);
    const config = pod({ 'net.ipv4.ip_unprivileged_port_start': '0' });
    const id = uniq('sb');
    const res: SandboxResources = await setupSandbox(deps, id, config);
    t.teardown(async () => {
      await teardownNetwork(deps, id, config, res).catch(() => {});
      await removeSandbox(deps, res).catch(() => {});
    });
    t.is(res.ip, `10.244.${octet}.2`);
    const links = await host.netlink.links(res.netns);
    t.like(links.find((l) => l.name === 'lo'), { up: true });
    t.like(links.find((l) => l.name === 'eth0'), { up: true });
    t.deepEqual((await host.netlink.addrs(res.netns, 4)).filter((a) => a.dev === 'eth0').map((a) => a.cidr), [`${res.ip}/24`]);
    t.is(await host.sysctl.get('net.ipv4.ip_unprivileged_port_start', res.netns), '0');
    t.is(await nsenter([`--uts=${res.uts}`, 'hostname']), 'web-0', 'the uts namespace carries the pod\'s name');
    t.deepEqual((await host.mounter.list(res.shm)).map((m) => m.fstype), ['tmpfs']);
    t.is(await readFile(res.hostnameFile, 'utf8'), 'web-0\n');

    await tcpServer(t, res.netns!, 80, '$remote');
    t.regex(await nsenter([`--net=${nodeNs}`, 'busybox', 'ping', '-c', '1', '-W', '2', res.ip!]), /1 packets received/);
    t.is(await tcpGet(nodeNs, res.ip!, 80), gateway, 'node to pod over the bridge');
    t.is(await tcpGet(res.netns!, '127.0.0.1', 80), '127.0.0.1', 'lo is up inside');
    t.is(await tcpGet(nodeNs, gateway, 8080), gateway, 'the host port is DNATed to the pod');

    await teardownNetwork(deps, id, config, res);
    await teardownNetwork(deps, id, config, res);
    t.is(await tcpGet(nodeNs, gateway, 8080), 'ERR ECONNREFUSED', 'the host port is gone');
    await removeSandbox(deps, res);
    await removeSandbox(deps, res);
    for (const pin of [res.netns!, res.ipc!, res.uts!]) t.false(await host.netns.exists(pin));
    t.deepEqual(await leftovers(), clean);
    await teardownNetwork(deps, id, config, res); // the netns is gone: DEL with an empty path still succeeds
  });

  rt('a plugin that does not exist fails RunPodSandbox after bridge and IPAM ran: no pins, mounts, links, addresses or cache remain', async (t) => {
    const { deps, nodeNs, leftovers, clean } = await node(t, [{ cniVersion: '1.1.0', name: 'pods', type: 'skiff-no-such-plugin' }]);
    const before = (await host.netlink.links(nodeNs)).map((l) => l.name);
    await t.throwsAsync(setupSandbox(deps, uniq('sb'), pod()), { message: /failed to find plugin "skiff-no-such-plugin"/ });
    t.deepEqual(await leftovers(), clean);
    const after = (await host.netlink.links(nodeNs)).map((l) => l.name).filter((n) => !before.includes(n) && !n.startsWith('sk'));
    t.deepEqual(after, [], 'no veth is left in the node (the bridge itself stays, as with the reference plugin)');
  });

  rt('a net.* sysctl the kernel refuses fails after ADD: the network, pins, shm and files are undone', async (t) => {
    const { deps, leftovers, clean } = await node(t);
    const err = await t.throwsAsync(setupSandbox(deps, uniq('sb'), pod({ 'net.ipv4.conf.eth9.forwarding': '1' })));
    t.regex(err!.message, /eth9/);
    t.deepEqual(await leftovers(), clean);
  });

  rt('host network and ipc: nothing pinned, no CNI needed, the node\'s name and files', async (t) => {
    const { deps, leftovers, clean } = await node(t);
    const config = pod();
    config.linux!.securityContext!.namespaceOptions = { network: 'NODE', ipc: 'NODE', pid: 'CONTAINER', targetId: '', usernsOptions: null };
    const noCni = { ...deps, network: undefined };
    const res = await setupSandbox(noCni, uniq('sb'), config);
    t.teardown(() => removeSandbox(noCni, res).catch(() => {}));
    t.deepEqual([res.netns, res.ipc, res.uts, res.shm, res.ip], [undefined, undefined, undefined, undefined, undefined]);
    t.is(res.hostname, hostname());
    t.is(await readFile(res.hostsFile, 'utf8'), await readFile('/etc/hosts', 'utf8'));
    t.is(await readFile(res.resolvConf, 'utf8'), await readFile('/etc/resolv.conf', 'utf8'));
    await teardownNetwork(noCni, 'x', config, res);
    await removeSandbox(noCni, res);
    t.deepEqual(await leftovers(), clean);
  });
}
