import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { portmapPlugin } from '../../cni-plugins/portmap/portmap.js';
import { TABLE } from '../../cni-plugins/portmap/rules.js';
import { runSkel } from '../../src/cni/skel.js';
import type { NetConf, PortMapping } from '../../src/cni/types.js';
import type { NetOp } from '../../src/host/netlink/types.js';
import { RealConntrack, RealNft } from '../../src/host/nft/real.js';
import { host, invoke, netns, OURS, runnerIn } from '../helpers/cni.js';
import { isRoot } from '../helpers/names.js';
import { tcpGet } from '../helpers/process.js';
import { rootOnly } from '../helpers/root.js';

// skiff-portmap end to end in namespaces of its own: a "node" joined by veths to a "pod"
// and a "client"; the client reaches the pod through the node's host port, then DEL and
// the port is closed again. Nothing runs in the machine's own namespace.

const rt = rootOnly(test);

const nft = new RealNft();
const conntrack = new RealConntrack();

/**
 * node ── pod0 10.244.1.1/24 ═══ eth0 10.244.1.2/24  pod (default via .1)
 *      └─ cli0 10.244.2.1/24 ═══ eth0 10.244.2.2/24  client (default via .1)
 * With v6, also fd00:1::/64 and fd00:2::/64 the same way (no DAD, so they work at once).
 * Forwarding on in the node namespace only.
 */
async function topology(t: ExecutionContext, v6 = false) {
  const [node, pod, client] = [await netns(t, 'n'), await netns(t, 'p'), await netns(t, 'c')];
  const noDad: NetOp[] = v6 ? ['all', 'default'].map((k) => ({ op: 'sysctl.set', key: `net.ipv6.conf.${k}.accept_dad`, value: '0' })) : [];
  for (const ns of [pod, client]) await host.netlink.apply(noDad, ns);
  await host.netlink.apply([
    ...noDad,
    { op: 'link.set', name: 'lo', up: true },
    { op: 'link.add', name: 'pod0', kind: 'veth', peer: { name: 'eth0', netns: pod } },
    { op: 'link.add', name: 'cli0', kind: 'veth', peer: { name: 'eth0', netns: client } },
    { op: 'addr.add', dev: 'pod0', cidr: '10.244.1.1/24' },
    { op: 'addr.add', dev: 'cli0', cidr: '10.244.2.1/24' },
    ...(v6 ? [{ op: 'addr.add', dev: 'pod0', cidr: 'fd00:1::1/64' }, { op: 'addr.add', dev: 'cli0', cidr: 'fd00:2::1/64' }] as NetOp[] : []),
    { op: 'link.set', name: 'pod0', up: true },
    { op: 'link.set', name: 'cli0', up: true },
    { op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '1' },
    ...(v6 ? [{ op: 'sysctl.set', key: 'net.ipv6.conf.all.forwarding', value: '1' }] as NetOp[] : []),
  ], node);
  for (const [ns, n] of [[pod, 1], [client, 2]] as const) {
    await host.netlink.apply([
      { op: 'link.set', name: 'lo', up: true },
      { op: 'addr.add', dev: 'eth0', cidr: `10.244.${n}.2/24` },
      ...(v6 ? [{ op: 'addr.add', dev: 'eth0', cidr: `fd00:${n}::2/64` }] as NetOp[] : []),
      { op: 'link.set', name: 'eth0', up: true },
      { op: 'route.add', dst: 'default', via: `10.244.${n}.1` },
      ...(v6 ? [{ op: 'route.add', dst: 'default6', via: `fd00:${n}::1` }] as NetOp[] : []),
    ], ns);
  }
  return { node, pod, client };
}

/** A process in a namespace, killed by its PID when the test ends; resolves once it printed 'ready'. */
async function serve(t: ExecutionContext, ns: string, code: string): Promise<ChildProcess> {
  const child = spawn('nsenter', [`--net=${ns}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`server in ${ns} exited with ${c}`)));
  });
  return child;
}

/** TCP on :80 that answers with who it sees; UDP on :53 that answers 'pod'. */
const podServers = (t: ExecutionContext, pod: string) => serve(t, pod, `
  require('net').createServer((s) => s.end('pod sees ' + s.remoteAddress)).listen(80, '0.0.0.0', () => {
    const u = require('dgram').createSocket('udp4');
    u.on('message', (m, r) => u.send('pod', r.port, r.address));
    u.bind(53, () => console.log('ready'));
  });`);

/** Sends one UDP datagram from a fixed source port; resolves with the answer or 'ERR TIMEOUT'. */
function udpAsk(ns: string, host: string, port: number, sport: number): Promise<string> {
  const code = `const u = require('dgram').createSocket('udp4'); u.bind(${sport}, () => u.send('hi', ${port}, ${JSON.stringify(host)}));
    u.on('message', (m) => { console.log(String(m)); process.exit(0); }); setTimeout(() => { console.log('ERR TIMEOUT'); process.exit(0); }, 1000);`;
  return new Promise((resolve) => {
    const child = spawn('nsenter', [`--net=${ns}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(out.trim()));
  });
}

const conf = (portMappings: unknown[], pod: string, extra: Partial<NetConf> = {}): NetConf => ({
  cniVersion: '1.1.0', name: 'pmtest', type: 'skiff-portmap', runtimeConfig: { portMappings: portMappings as PortMapping[] },
  prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: pod }], ips: [{ address: '10.244.1.2/24', gateway: '10.244.1.1', interface: 0 }] },
  ...extra,
});

function inProcess(node: string) {
  const plugin = portmapPlugin({ nft, conntrack, netlink: host.netlink, sysctl: host.sysctl, hostNetns: node });
  return async (command: string, c: NetConf, pod: string, containerId = 'ctr1') => {
    const out = await runSkel(plugin, {
      env: { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: pod, CNI_IFNAME: 'eth0', CNI_PATH: OURS }, stdin: JSON.stringify(c),
    });
    return { exitCode: out.exitCode, stdout: out.stdout };
  };
}

const elementCount = async (node: string) => {
  const tables = await nft.listTables(node);
  const contents = await Promise.all(tables.filter((x) => x.name === TABLE).map((x) => nft.listTable(x.family, TABLE, node)));
  return contents.flatMap((c) => c.sets.flatMap((s) => s.elements)).length;
};

if (isRoot) {
  rt('in-process: the client reaches the pod through the node\'s host port; hairpin and localhost are masqueraded; DEL closes it', async (t) => {
    const { node, pod, client } = await topology(t);
    await podServers(t, pod);
    const cni = inProcess(node);
    const c = conf([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], pod);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'ERR ECONNREFUSED', 'nothing listens on the node');

    const add = await cni('ADD', c, pod);
    t.is(add.exitCode, 0, add.stdout);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'pod sees 10.244.2.2', 'from outside: DNAT, the source is kept');
    t.is(await tcpGet(node, '10.244.2.1', 8080), 'pod sees 10.244.2.1', 'from the node to its own address (output hook): no masquerade needed');
    t.is(await tcpGet(node, '127.0.0.1', 8080), 'pod sees 10.244.1.1', 'from localhost: route_localnet and masquerade');
    t.is(await tcpGet(pod, '10.244.2.1', 8080), 'pod sees 10.244.1.1', 'hairpin: the pod reaches itself, masqueraded');
    t.is(await host.sysctl.get('net.ipv4.conf.pod0.route_localnet', node), '1');
    t.is((await cni('CHECK', c, pod)).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.1', 8081), 'ERR ECONNREFUSED', 'only the mapped port');
    t.is(await tcpGet(client, '10.244.1.2', 8080), 'ERR ECONNREFUSED', 'traffic routed through the node to port 8080 elsewhere is not a host port');

    const del = await cni('DEL', c, pod);
    t.is(del.exitCode, 0, del.stdout);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'ERR ECONNREFUSED');
    t.is(await elementCount(node), 0);
    t.is((await cni('DEL', c, pod)).exitCode, 0, 'DEL again');
    t.is((await cni('CHECK', c, pod)).exitCode, 1);
  });

  rt('IPv6: a dual-stack pod is reached over both families', async (t) => {
    const { node, pod, client } = await topology(t, true);
    await serve(t, pod, `require('net').createServer((s) => s.end('pod sees ' + s.remoteAddress)).listen(80, '::', () => console.log('ready'))`);
    const cni = inProcess(node);
    const c = conf([{ hostPort: 8080, containerPort: 80 }], pod);
    (c.prevResult as { ips: unknown[] }).ips.push({ address: 'fd00:1::2/64', gateway: 'fd00:1::1', interface: 0 });
    const add = await cni('ADD', c, pod);
    t.is(add.exitCode, 0, add.stdout);
    t.is(await tcpGet(client, 'fd00:2::1', 8080), 'pod sees fd00:2::2');
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'pod sees ::ffff:10.244.2.2');
    t.is(await tcpGet(pod, 'fd00:2::1', 8080), 'pod sees fd00:1::1', 'hairpin over IPv6');
    t.is((await cni('CHECK', c, pod)).exitCode, 0);
    t.is((await cni('DEL', c, pod)).exitCode, 0);
    t.is(await tcpGet(client, 'fd00:2::1', 8080), 'ERR ECONNREFUSED');
  });

  rt('a hostIP mapping answers on that address only', async (t) => {
    const { node, pod, client } = await topology(t);
    await podServers(t, pod);
    await host.netlink.apply([{ op: 'addr.add', dev: 'cli0', cidr: '10.244.2.100/24' }], node);
    const cni = inProcess(node);
    const c = conf([{ hostPort: 8080, containerPort: 80, hostIP: '10.244.2.100' }], pod);
    t.is((await cni('ADD', c, pod)).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.100', 8080), 'pod sees 10.244.2.2');
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'ERR ECONNREFUSED');
    t.is((await cni('DEL', c, pod)).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.100', 8080), 'ERR ECONNREFUSED');
  });

  rt('UDP: ADD and DEL flush the host port\'s conntrack entries, so the same flow follows the mapping', async (t) => {
    const { node, pod, client } = await topology(t);
    await podServers(t, pod);
    // A UDP service on the node itself answers first, and conntrack remembers the flow
    // (the node's nat table from another pod's mapping turns conntrack on in the namespace).
    await serve(t, node, `const u = require('dgram').createSocket('udp4'); u.on('message', (m, r) => u.send('node', r.port, r.address)); u.bind(5353, () => console.log('ready'));`);
    const cni = inProcess(node);
    t.is((await cni('ADD', conf([{ hostPort: 9999, containerPort: 80 }], pod), pod, 'other')).exitCode, 0);
    t.is(await udpAsk(client, '10.244.2.1', 5353, 40000), 'node');
    const flows = () => conntrack.list({ family: 4, protocol: 'udp', dport: 5353 }, node);
    t.is((await flows()).length, 1);

    const c = conf([{ hostPort: 5353, containerPort: 53, protocol: 'udp' }], pod);
    t.is((await cni('ADD', c, pod)).exitCode, 0);
    t.deepEqual(await flows(), [], 'ADD flushed the stale flow');
    t.is(await udpAsk(client, '10.244.2.1', 5353, 40000), 'pod', 'the same 5-tuple now goes to the pod');
    t.is((await flows()).length, 1);

    t.is((await cni('DEL', c, pod)).exitCode, 0);
    t.deepEqual(await flows(), [], 'DEL flushed the DNATed flow');
    t.is(await udpAsk(client, '10.244.2.1', 5353, 40000), 'node', 'and the node answers again');
    t.is(await conntrack.delete({ family: 4, protocol: 'udp', dport: 1 }, node), 0, 'nothing to delete is success');
  });

  rt('exec\'d: dist/cni/skiff-portmap in the node namespace via nsenter: ADD, CHECK, GC, STATUS, DEL', async (t) => {
    if (!existsSync(`${OURS}/skiff-portmap`)) return t.fail(`${OURS}/skiff-portmap is missing: run npm run build:cni`);
    const { node, pod, client } = await topology(t);
    await podServers(t, pod);
    const runner = runnerIn(node);
    const c = conf([{ hostPort: 8080, containerPort: 80 }], pod);
    const call = (command: 'ADD' | 'CHECK' | 'DEL' | 'GC' | 'STATUS', cc: NetConf = c, containerId = 'ctr1') => invoke(runner, [OURS], { command, conf: cc, containerId, netns: pod });
    const add = await call('ADD');
    t.is(add.exitCode, 0, add.stdout);
    t.deepEqual(add.json, c.prevResult);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'pod sees 10.244.2.2');
    t.is((await call('CHECK')).exitCode, 0);
    t.is((await call('STATUS')).exitCode, 0);
    const bad = await call('ADD', conf([{ hostPort: 0, containerPort: 80 }], pod));
    t.is((bad.json as { code?: number }).code, 7);
    // GC with this attachment valid keeps it; without, removes it.
    const gc = (valid: unknown[]) => call('GC', { cniVersion: '1.1.0', name: 'pmtest', type: 'skiff-portmap', 'cni.dev/valid-attachments': valid } as NetConf);
    t.is((await gc([{ containerID: 'ctr1', ifname: 'eth0' }])).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'pod sees 10.244.2.2');
    t.is((await gc([])).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'ERR ECONNREFUSED');
    t.is((await call('ADD')).exitCode, 0);
    t.is((await call('DEL')).exitCode, 0);
    t.is(await tcpGet(client, '10.244.2.1', 8080), 'ERR ECONNREFUSED');
    t.is(await elementCount(node), 0);
  });
}
