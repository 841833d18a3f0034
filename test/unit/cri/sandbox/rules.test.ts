import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CriError } from '../../../../src/cri/errors.js';
import type { PodSandboxConfig__Output } from '../../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { bandwidthCapability, parseQuantity } from '../../../../src/cri/sandbox/bandwidth.js';
import { DEFAULT_HOSTS, resolvConfContent, writePodFiles } from '../../../../src/cri/sandbox/files.js';
import { RealFiles } from '../../../../src/host/files/real.js';
import { namespaceModes, namespacePaths } from '../../../../src/cri/sandbox/namespaces.js';
import { capabilityArgs, cniArgs, podIps } from '../../../../src/cri/sandbox/network.js';
import { planSysctls } from '../../../../src/cri/sandbox/sysctls.js';

// The pure decisions of the sandbox layer: namespaces, sysctls, files, CNI arguments, pod IPs.

function pod(over: Partial<PodSandboxConfig__Output> = {}, network: 'POD' | 'NODE' = 'POD', ipc: 'POD' | 'NODE' = 'POD', sysctls: Record<string, string> = {}): PodSandboxConfig__Output {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', attempt: 0 }, hostname: 'web', logDirectory: '', dnsConfig: null, portMappings: [], labels: {}, annotations: {},
    linux: {
      cgroupParent: '', sysctls, overhead: null, resources: null,
      securityContext: { namespaceOptions: { network, ipc, pid: 'CONTAINER', targetId: '', usernsOptions: null } } as never,
    },
    windows: null,
    ...over,
  };
}

test('namespaces: network NODE shares net and uts with the node; ipc separately; no options means all of the pod\'s own', (t) => {
  t.deepEqual(namespacePaths('/r', 'a', namespaceModes(pod())), { netns: '/r/.pins/a-net', uts: '/r/.pins/a-uts', ipc: '/r/.pins/a-ipc' });
  t.deepEqual(namespacePaths('/r', 'a', namespaceModes(pod({}, 'NODE'))), { ipc: '/r/.pins/a-ipc' });
  t.deepEqual(namespacePaths('/r', 'a', namespaceModes(pod({}, 'POD', 'NODE'))), { netns: '/r/.pins/a-net', uts: '/r/.pins/a-uts' });
  t.deepEqual(namespaceModes(pod({ linux: null })), { hostNetwork: false, hostIpc: false });
});

test('sysctls: net.* go to the pod netns, ipc ones to the containers; the node-wide and the host-namespace ones are refused by name', (t) => {
  const own = namespaceModes(pod());
  t.deepEqual(planSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shm_rmid_forced': '1', 'fs/mqueue/msg_max': '20', 'kernel.sem': '1 2 3 4' }, own), {
    net: [['net.ipv4.ip_unprivileged_port_start', '0']],
    ipc: { 'fs/mqueue/msg_max': '20', 'kernel.sem': '1 2 3 4', 'kernel.shm_rmid_forced': '1' },
  });
  const err = t.throws<CriError>(() => planSysctls({ 'vm.swappiness': '1', 'kernel.hostname': 'x' }, own));
  t.is(err?.kind, 'invalidArgument');
  t.regex(err!.message, /kernel\.hostname.*vm\.swappiness/);
  t.regex(t.throws(() => planSysctls({ 'net.core.somaxconn': '1024' }, namespaceModes(pod({}, 'NODE'))))!.message, /net\.core\.somaxconn \(the pod uses the node's network namespace\)/);
  t.regex(t.throws(() => planSysctls({ 'kernel.msgmax': '1' }, namespaceModes(pod({}, 'POD', 'NODE'))))!.message, /kernel\.msgmax \(the pod uses the node's ipc namespace\)/);
  t.deepEqual(planSysctls({ 'kernel.msgmax': '1' }, namespaceModes(pod({}, 'NODE'))), { net: [], ipc: { 'kernel.msgmax': '1' } });
});

test('resolv.conf: search, nameservers, options in containerd\'s order; nothing given means the node\'s', (t) => {
  t.is(resolvConfContent({ servers: ['10.96.0.10', '1.1.1.1'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] }),
    'search default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver 1.1.1.1\noptions ndots:5\n');
  t.is(resolvConfContent({ servers: ['10.96.0.10'], searches: [], options: [] }), 'nameserver 10.96.0.10\n');
  t.is(resolvConfContent(null), undefined);
  t.is(resolvConfContent({ servers: [], searches: [], options: [] }), undefined);
});

test('files: pod network gets the default hosts and its own name; host network copies the node\'s; all 0644', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sbx-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'node-hosts'), '10.0.0.1 node\n', { mode: 0o600 });
  await writeFile(join(dir, 'node-resolv'), 'nameserver 192.0.2.53\n', { mode: 0o600 });
  const etc = { hostsFile: join(dir, 'node-hosts'), resolvConf: join(dir, 'node-resolv'), hostname: () => 'node-1' };
  await Promise.all(['p', 'h'].map((d) => mkdir(join(dir, d))));

  const p = await writePodFiles(new RealFiles(), join(dir, 'p'), pod({ dnsConfig: { servers: ['10.96.0.10'], searches: ['cluster.local'], options: [] } }), false, etc);
  t.is(p.hostname, 'web');
  t.is(await readFile(p.hostnameFile, 'utf8'), 'web\n');
  t.is(await readFile(p.hostsFile, 'utf8'), DEFAULT_HOSTS);
  t.regex(DEFAULT_HOSTS, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n/);
  t.is(await readFile(p.resolvConf, 'utf8'), 'search cluster.local\nnameserver 10.96.0.10\n');

  const h = await writePodFiles(new RealFiles(), join(dir, 'h'), pod({}, 'NODE'), true, etc);
  t.is(h.hostname, 'node-1');
  t.is(await readFile(h.hostnameFile, 'utf8'), 'node-1\n');
  t.is(await readFile(h.hostsFile, 'utf8'), '10.0.0.1 node\n');
  t.is(await readFile(h.resolvConf, 'utf8'), 'nameserver 192.0.2.53\n');
  for (const f of [p.hostnameFile, p.hostsFile, p.resolvConf, h.hostnameFile, h.hostsFile, h.resolvConf]) t.is((await stat(f)).mode & 0o777, 0o644, f);
});

test('CNI args and capabilities as containerd passes them', (t) => {
  const config = pod({
    portMappings: [
      { protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' },
      { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' },
      { protocol: 'TCP', containerPort: 9090, hostPort: 0, hostIp: '' },
    ],
    annotations: { 'kubernetes.io/ingress-bandwidth': '10M', a: 'b' },
    dnsConfig: { servers: ['10.96.0.10'], searches: ['cluster.local'], options: ['ndots:5'] },
  });
  t.deepEqual(cniArgs('sb1', config), { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web', K8S_POD_INFRA_CONTAINER_ID: 'sb1', K8S_POD_UID: 'u-1' });
  t.deepEqual(capabilityArgs(config), {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' }],
    dns: { servers: ['10.96.0.10'], searches: ['cluster.local'], options: ['ndots:5'] },
    bandwidth: { ingressRate: 10_000_000, ingressBurst: 2 ** 32 - 1 },
    'io.kubernetes.cri.pod-annotations': { 'kubernetes.io/ingress-bandwidth': '10M', a: 'b' },
  });
});

test('bandwidth: Kubernetes quantities, the kubelet\'s bounds', (t) => {
  t.is(parseQuantity('1Mi'), 1048576);
  t.is(parseQuantity('1.5k'), 1500);
  t.is(parseQuantity('10'), 10);
  t.is(parseQuantity('ten'), undefined);
  t.is(bandwidthCapability({}), undefined);
  t.deepEqual(bandwidthCapability({ 'kubernetes.io/egress-bandwidth': '1G' }), { egressRate: 1e9, egressBurst: 2 ** 32 - 1 });
  t.is(t.throws<CriError>(() => bandwidthCapability({ 'kubernetes.io/egress-bandwidth': '10' }))?.kind, 'invalidArgument');
  t.regex(t.throws(() => bandwidthCapability({ 'kubernetes.io/ingress-bandwidth': 'fast' }))!.message, /not a quantity/);
});

test('pod IPs: eth0\'s first IPv4 first, then the rest in order; other interfaces ignored', (t) => {
  const result = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'cni0' }, { name: 'vethx' }, { name: 'eth0', sandbox: '/run/netns/p' }, { name: 'net1', sandbox: '/run/netns/p' }],
    ips: [
      { address: 'fd00::5/64', interface: 2 }, { address: '10.244.1.5/24', interface: 2 }, { address: '10.244.9.9/24', interface: 3 }, { address: '10.244.1.6/24', interface: 2 },
    ],
  };
  t.deepEqual(podIps(result), { ip: '10.244.1.5', additionalIps: ['fd00::5', '10.244.1.6'] });
  t.deepEqual(podIps({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: '/p' }], ips: [{ address: 'fd00::5/64', interface: 0 }] }), { ip: 'fd00::5', additionalIps: [] });
  t.deepEqual(podIps({ cniVersion: '1.1.0', ips: [{ address: '10.1.1.1/24' }] }), { ip: '10.1.1.1', additionalIps: [] });
  t.deepEqual(podIps({ cniVersion: '1.1.0' }), { additionalIps: [] });
});
