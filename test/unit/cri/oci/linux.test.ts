import test from 'ava';
import { normalizeSysctl, ociResources } from '../../../../src/cri/oci/resources.js';
import { containerSpec, SpecError, type SpecInput } from '../../../../src/cri/oci/spec.js';
import { container, input, resources, sandbox } from './fixture.js';

type Res = Parameters<typeof container>[0] extends infer C ? C extends { res?: infer R } ? R : never : never;
const withRes = (res: Res, host: Partial<SpecInput['host']> = {}) =>
  containerSpec(input({ container: container({ command: ['/x'], res }), host: { negativeOomScoreAdj: true, ...host } }));

test('root: the rootfs path, read-only on request', (t) => {
  t.deepEqual(containerSpec(input()).spec.root, { path: '/var/lib/skiff/ctr1/rootfs', readonly: false });
  t.true(containerSpec(input({ container: container({ command: ['/x'], sc: { readonlyRootfs: true } }) })).spec.root.readonly);
  t.throws(() => containerSpec(input({ rootfs: 'rootfs' })), { instanceOf: SpecError });
});

test('namespaces: path, new or absent for host; mount and cgroup always new', (t) => {
  const { spec } = containerSpec(input({ namespaces: { network: { kind: 'host' }, ipc: { kind: 'path', path: '/ns/ipc' }, uts: { kind: 'new' }, pid: { kind: 'path', path: '/proc/1/ns/pid' } } }));
  t.deepEqual(spec.linux.namespaces, [{ type: 'pid', path: '/proc/1/ns/pid' }, { type: 'ipc', path: '/ns/ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }]);
  t.throws(() => containerSpec(input({ namespaces: { ...input().namespaces, network: { kind: 'path', path: 'netns' } } })), { instanceOf: SpecError });
});

test('hostname: the sandbox\'s, except in the host UTS namespace', (t) => {
  t.is(containerSpec(input()).spec.hostname, 'web-0');
  const hostUts = containerSpec(input({ namespaces: { ...input().namespaces, uts: { kind: 'host' } } })).spec;
  t.is(hostUts.hostname, undefined);
});

test('cgroupsPath: relative only', (t) => {
  t.is(containerSpec(input()).spec.linux.cgroupsPath, 'skiff/podsb1/ctr1');
  for (const bad of ['/skiff/x', '', 'skiff/../../x']) {
    const err = t.throws(() => containerSpec(input({ cgroupsPath: bad })), { instanceOf: SpecError });
    t.is(err?.field, 'cgroupsPath');
  }
});

test('resources: cpu and cpuset', (t) => {
  const { spec } = withRes({ cpuShares: '512', cpuQuota: '50000', cpuPeriod: '100000', cpusetCpus: '0-1', cpusetMems: '0' });
  t.deepEqual(spec.linux.resources.cpu, { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' });
  t.is(spec.linux.resources.memory, undefined);
  t.is(withRes({ cpuQuota: '-1' }).spec.linux.resources.cpu!.quota, -1);
});

const memCases: [string, Res, boolean, { limit?: number; swap?: number } | undefined, boolean][] = [
  ['limit, swap accounted: swap = limit', { memoryLimitInBytes: '1048576' }, true, { limit: 1048576, swap: 1048576 }, false],
  ['limit and swap limit', { memoryLimitInBytes: '1048576', memorySwapLimitInBytes: '2097152' }, true, { limit: 1048576, swap: 2097152 }, false],
  ['no swap accounting: limit only', { memoryLimitInBytes: '1048576' }, false, { limit: 1048576 }, false],
  ['no swap accounting: swap limit ignored with a warning', { memoryLimitInBytes: '1048576', memorySwapLimitInBytes: '2097152' }, false, { limit: 1048576 }, true],
  ['nothing', {}, true, undefined, false],
];
for (const [name, res, swap, want, warns] of memCases) {
  test(`resources: memory, ${name}`, (t) => {
    const { spec, warnings } = withRes(res, { swap });
    t.deepEqual(spec.linux.resources.memory, want);
    t.is(warnings.some((w) => w.includes('swap')), warns);
  });
}

test('resources: hugepages need a hugetlb controller; unified is copied', (t) => {
  const res = { hugepageLimits: [{ pageSize: '2MB', limit: '4194304' }], unified: { 'memory.high': '1000000' } };
  t.deepEqual(withRes(res, { hugetlb: true }).spec.linux.resources.hugepageLimits, [{ pageSize: '2MB', limit: 4194304 }]);
  const { spec, warnings } = withRes(res);
  t.is(spec.linux.resources.hugepageLimits, undefined);
  t.true(warnings.some((w) => w.includes('2MB')));
  t.deepEqual(spec.linux.resources.unified, { 'memory.high': '1000000' });
});

test('oom_score_adj: copied; a negative one is raised to 0 with a warning when the node cannot lower it', (t) => {
  t.is(withRes({ oomScoreAdj: '-997' }).spec.process.oomScoreAdj, -997);
  const { spec, warnings } = withRes({ oomScoreAdj: '-997' }, { negativeOomScoreAdj: false });
  t.is(spec.process.oomScoreAdj, 0);
  t.true(warnings.some((w) => w.includes('-997')));
  t.is(withRes({ oomScoreAdj: '1000' }, { negativeOomScoreAdj: false }).spec.process.oomScoreAdj, 1000);
  t.is(containerSpec(input()).spec.process.oomScoreAdj, undefined);
});

test('RLIMIT_NOFILE: 1048576, clamped to the node\'s maximum with a warning', (t) => {
  t.deepEqual(containerSpec(input()).spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
  const { spec, warnings } = containerSpec(input({ host: { negativeOomScoreAdj: true, maxNofile: 20000 } }));
  t.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  t.true(warnings.some((w) => w.includes('20000')));
});

test('sysctls: only those the container\'s namespaces hold', (t) => {
  const sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '100', 'fs.mqueue.msg_max': '20', 'kernel.domainname': 'x', 'vm.swappiness': '1', 'net/ipv4/conf/eth0.1/forwarding': '1' };
  const own = containerSpec(input({ sandbox: sandbox({ sysctls }) }));
  t.deepEqual(own.spec.linux.sysctl, { 'fs.mqueue.msg_max': '20', 'kernel.domainname': 'x', 'kernel.shmmax': '100', 'net.ipv4.conf.eth0/1.forwarding': '1', 'net.ipv4.ip_unprivileged_port_start': '0' });
  t.true(own.warnings.some((w) => w.includes('vm.swappiness')));
  const hostNs = containerSpec(input({ sandbox: sandbox({ sysctls }), namespaces: { network: { kind: 'host' }, ipc: { kind: 'host' }, uts: { kind: 'host' }, pid: { kind: 'new' } } }));
  t.is(hostNs.spec.linux.sysctl, undefined);
  t.is(normalizeSysctl('net.ipv4.ip_forward'), 'net.ipv4.ip_forward');
});

test('devices: the caller\'s resolution, rules after deny-all', (t) => {
  const c = container({ command: ['/x'], devices: [{ containerPath: '/dev/fuse', hostPath: '/dev/fuse', permissions: 'rw' }, { containerPath: '/dev/sdx', hostPath: '/dev/sda', permissions: '' }] });
  const deviceInfo = { '/dev/fuse': { type: 'c' as const, major: 10, minor: 229, fileMode: 0o666 }, '/dev/sda': { type: 'b' as const, major: 8, minor: 0 } };
  const { spec } = containerSpec(input({ container: c, deviceInfo }));
  t.deepEqual(spec.linux.devices, [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666 }, { type: 'b', path: '/dev/sdx', major: 8, minor: 0 }]);
  t.deepEqual(spec.linux.resources.devices, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'rwm' }]);
  t.throws(() => containerSpec(input({ container: c })), { instanceOf: SpecError, message: /\/dev\/fuse/ });
  const bad = container({ command: ['/x'], devices: [{ containerPath: '/dev/fuse', hostPath: '/dev/fuse', permissions: 'rwx' }] });
  t.throws(() => containerSpec(input({ container: bad, deviceInfo })), { instanceOf: SpecError });
});

test('devices: a host path named like an Object member (constructor, toString) is unresolved, not the member', (t) => {
  for (const hostPath of ['constructor', 'toString', '__proto__']) {
    const c = container({ command: ['/x'], devices: [{ containerPath: '/dev/x', hostPath, permissions: 'rw' }] });
    t.throws(() => containerSpec(input({ container: c, deviceInfo: {} })), { instanceOf: SpecError, message: /was not resolved/ });
  }
});

test('annotations: io.kubernetes.cri.* like containerd', (t) => {
  t.deepEqual(containerSpec(input()).spec.annotations, {
    'io.kubernetes.cri.container-type': 'container',
    'io.kubernetes.cri.sandbox-id': 'sb1',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.kubernetes.cri.sandbox-uid': 'uid-1',
    'io.kubernetes.cri.sandbox-name': 'web',
    'io.kubernetes.cri.container-name': 'app',
    'io.kubernetes.cri.image-name': 'busybox:latest',
  });
});

test('pure: the same input gives the same spec, and the input is not modified', (t) => {
  const i = input({ container: container({ command: ['/x'], envs: [{ key: 'A', value: '1' }], sc: { supplementalGroups: ['5'] } }) });
  const before = JSON.stringify(i);
  t.deepEqual(containerSpec(i), containerSpec(i));
  t.is(JSON.stringify(i), before);
});

test('ociResources: what runc update applies, by the same rules', (t) => {
  const warnings: string[] = [];
  const r = ociResources(resources({ cpuQuota: '20000', memoryLimitInBytes: '1048576', memorySwapLimitInBytes: '2097152', oomScoreAdj: '5' }), { negativeOomScoreAdj: true, maxNofile: 1 }, warnings);
  t.deepEqual(r, { cpu: { quota: 20000 }, memory: { limit: 1048576 } });
  t.true(warnings.some((w) => w.includes('swap')));
  t.deepEqual(ociResources(resources({ memoryLimitInBytes: '1048576' }), { swap: true }), { memory: { limit: 1048576, swap: 1048576 } });
});
