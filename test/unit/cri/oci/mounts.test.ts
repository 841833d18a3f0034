import test from 'ava';
import { containerSpec, SpecError } from '../../../../src/cri/oci/spec.js';
import type { Mount } from '../../../../src/cri/oci/types.js';
import { container, input, mount } from './fixture.js';

type M = Parameters<typeof mount>[0];
const files = { hostname: '/sb/hostname', hosts: '/sb/hosts', resolvConf: '/sb/resolv.conf', shm: '/sb/shm' };
const mountsOf = (ms: M[], over: Parameters<typeof input>[0] = {}, sc: Parameters<typeof container>[0] = {}) =>
  containerSpec(input({ container: container({ command: ['/x'], mounts: ms.map(mount), ...sc }), ...over })).spec;
const at = (mounts: Mount[], dst: string) => mounts.filter((m) => m.destination === dst);

test('defaults: proc, dev, devpts, shm, mqueue, read-only sysfs and cgroupfs; no /run', (t) => {
  const { mounts } = mountsOf([]);
  t.deepEqual(mounts.map((m) => `${m.destination}:${m.type}`), ['/proc:proc', '/dev:tmpfs', '/sys:sysfs', '/dev/pts:devpts', '/dev/shm:tmpfs', '/dev/mqueue:mqueue', '/sys/fs/cgroup:cgroup']);
  t.true(at(mounts, '/sys')[0]!.options!.includes('ro'));
  t.true(at(mounts, '/sys/fs/cgroup')[0]!.options!.includes('ro'));
});

test('sandbox files are bound in; read-only with a read-only rootfs, except /dev/shm', (t) => {
  const { mounts } = mountsOf([], { sandboxFiles: files }, { sc: { readonlyRootfs: true } });
  t.deepEqual(at(mounts, '/etc/hosts'), [{ destination: '/etc/hosts', type: 'bind', source: '/sb/hosts', options: ['rbind', 'rprivate', 'ro'] }]);
  t.is(at(mounts, '/etc/hostname')[0]!.source, '/sb/hostname');
  t.is(at(mounts, '/etc/resolv.conf')[0]!.source, '/sb/resolv.conf');
  t.deepEqual(at(mounts, '/dev/shm'), [{ destination: '/dev/shm', type: 'bind', source: '/sb/shm', options: ['rbind', 'rprivate', 'rw'] }]);
});

test('host IPC without a sandbox shm binds the host /dev/shm', (t) => {
  const { mounts } = mountsOf([], { namespaces: { ...input().namespaces, ipc: { kind: 'host' } } });
  t.is(at(mounts, '/dev/shm')[0]!.source, '/dev/shm');
});

test('CRI mounts override defaults and sandbox files at the same destination', (t) => {
  const { mounts } = mountsOf([{ containerPath: '/etc/hosts', hostPath: '/mine/hosts' }, { containerPath: '/dev/shm/', hostPath: '/big' }], { sandboxFiles: files });
  t.deepEqual(at(mounts, '/etc/hosts').map((m) => m.source), ['/mine/hosts']);
  t.deepEqual(at(mounts, '/dev/shm').map((m) => m.source), ['/big']);
});

test('a CRI /dev replaces every default under /dev', (t) => {
  const { mounts } = mountsOf([{ containerPath: '/dev', hostPath: '/dev' }]);
  t.deepEqual(mounts.filter((m) => m.destination.startsWith('/dev')).map((m) => m.source), ['/dev']);
});

const propagation: [M['propagation'], string, string | undefined][] = [
  ['PROPAGATION_PRIVATE', 'rprivate', undefined],
  ['PROPAGATION_HOST_TO_CONTAINER', 'rslave', 'rslave'],
  ['PROPAGATION_BIDIRECTIONAL', 'rshared', 'rshared'],
];
for (const [p, option, rootfs] of propagation) {
  test(`propagation ${p}`, (t) => {
    const spec = mountsOf([{ containerPath: '/data', hostPath: '/srv/data', propagation: p }]);
    t.deepEqual(at(spec.mounts, '/data')[0]!.options, ['rbind', option, 'rw']);
    t.is(spec.linux.rootfsPropagation, rootfs);
  });
}

test('rshared wins over rslave for the rootfs', (t) => {
  const spec = mountsOf([
    { containerPath: '/a', hostPath: '/a', propagation: 'PROPAGATION_BIDIRECTIONAL' },
    { containerPath: '/b', hostPath: '/b', propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
  ]);
  t.is(spec.linux.rootfsPropagation, 'rshared');
});

test('read-only and recursive read-only', (t) => {
  const spec = mountsOf([{ containerPath: '/ro', hostPath: '/h', readonly: true }, { containerPath: '/rro', hostPath: '/h', readonly: true, recursiveReadOnly: true }]);
  t.deepEqual(at(spec.mounts, '/ro')[0]!.options, ['rbind', 'rprivate', 'ro']);
  t.deepEqual(at(spec.mounts, '/rro')[0]!.options, ['rbind', 'rprivate', 'rro']);
  t.throws(() => mountsOf([{ containerPath: '/x', hostPath: '/h', recursiveReadOnly: true }]), { instanceOf: SpecError, message: /read-write/ });
  t.throws(() => mountsOf([{ containerPath: '/x', hostPath: '/h', readonly: true, recursiveReadOnly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }]), { message: /private/ });
});

test('selinux_relabel is ignored', (t) => {
  t.deepEqual(at(mountsOf([{ containerPath: '/d', hostPath: '/h', selinuxRelabel: true }]).mounts, '/d')[0]!.options, ['rbind', 'rprivate', 'rw']);
});

test('parents mount before children whatever the request order', (t) => {
  const { mounts } = mountsOf([{ containerPath: '/a/b/c', hostPath: '/1' }, { containerPath: '/a', hostPath: '/2' }, { containerPath: '/a/b', hostPath: '/3' }]);
  const order = mounts.map((m) => m.destination);
  t.true(order.indexOf('/a') < order.indexOf('/a/b'));
  t.true(order.indexOf('/a/b') < order.indexOf('/a/b/c'));
  for (const m of mounts) {
    for (const parent of mounts) {
      if (m !== parent && m.destination.startsWith(`${parent.destination}/`)) t.true(order.indexOf(parent.destination) < order.indexOf(m.destination), `${parent.destination} before ${m.destination}`);
    }
  }
});

test('bad mounts name the offending entry', (t) => {
  for (const bad of [{ containerPath: 'rel', hostPath: '/h' }, { containerPath: '/c', hostPath: '' }, { containerPath: '/c', hostPath: '/h', uidMappings: [{ hostId: 1, containerId: 0, length: 1 }] }]) {
    const err = t.throws(() => mountsOf([{ containerPath: '/ok', hostPath: '/ok' }, bad]), { instanceOf: SpecError });
    t.is(err?.field, 'mounts[1]');
  }
});
