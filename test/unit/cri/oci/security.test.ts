import test from 'ava';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, capabilitiesFromMask } from '../../../../src/cri/oci/capabilities.js';
import { runtimeDefaultProfile } from '../../../../src/cri/oci/seccomp.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, containerSpec, SpecError } from '../../../../src/cri/oci/spec.js';
import type { Spec } from '../../../../src/cri/oci/types.js';
import { container, input, sandbox, securityContext } from './fixture.js';

type Sc = Parameters<typeof securityContext>[0];
const specWith = (sc: Sc, over: Parameters<typeof input>[0] = {}) => containerSpec(input({ container: container({ command: ['/x'], sc }), ...over }));
const caps = (sc: Sc, over: Parameters<typeof input>[0] = {}) => specWith(sc, over).spec.process.capabilities!;
const allowed = (s: Spec) => new Set(s.linux.seccomp!.syscalls!.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));

const capCases: [string, { add?: string[]; drop?: string[] }, (set: string[]) => boolean][] = [
  ['no request: containerd default set', {}, (s) => s.length === DEFAULT_CAPABILITIES.length && DEFAULT_CAPABILITIES.every((c) => s.includes(c))],
  ['add without prefix, any case', { add: ['net_admin'] }, (s) => s.includes('CAP_NET_ADMIN')],
  ['add with CAP_ prefix', { add: ['CAP_SYS_TIME'] }, (s) => s.includes('CAP_SYS_TIME')],
  ['drop wins over add', { add: ['NET_ADMIN'], drop: ['NET_ADMIN'] }, (s) => !s.includes('CAP_NET_ADMIN')],
  ['drop ALL then add one', { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, (s) => s.length === 1 && s[0] === 'CAP_NET_BIND_SERVICE'],
  ['add ALL then drop one', { add: ['ALL'], drop: ['CHOWN'] }, (s) => s.length === ALL_CAPABILITIES.length - 1 && !s.includes('CAP_CHOWN')],
];
for (const [name, req, ok] of capCases) {
  test(`capabilities: ${name}`, (t) => {
    const c = caps({ capabilities: { addCapabilities: req.add ?? [], dropCapabilities: req.drop ?? [], addAmbientCapabilities: [] } });
    t.true(ok(c.bounding), JSON.stringify(c.bounding));
    t.deepEqual(c.effective, c.bounding);
    t.deepEqual(c.permitted, c.bounding);
    t.is(c.ambient, undefined);
    t.is(c.inheritable, undefined);
  });
}

test('capabilities: ALL means what the runtime holds; unknown names are warned about', (t) => {
  const host = { negativeOomScoreAdj: true, capabilities: ['CAP_CHOWN', 'CAP_KILL'] };
  t.deepEqual(caps({ capabilities: { addCapabilities: ['ALL'], dropCapabilities: [], addAmbientCapabilities: [] } }, { host }).bounding, ['CAP_CHOWN', 'CAP_KILL']);
  const { warnings } = specWith({ capabilities: { addCapabilities: ['FLY'], dropCapabilities: [], addAmbientCapabilities: [] } });
  t.true(warnings.some((w) => w.includes('CAP_FLY')));
});

test('capabilities from a /proc status mask (this VM lacks CAP_SYS_RESOURCE)', (t) => {
  const names = capabilitiesFromMask('000001fffeffffff');
  t.is(names.length, 40);
  t.false(names.includes('CAP_SYS_RESOURCE'));
  t.true(names.includes('CAP_CHECKPOINT_RESTORE'));
  t.deepEqual(capabilitiesFromMask('0000000000000003'), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
});

test('privileged: every capability, no masked/readonly paths, no seccomp, rw sysfs and cgroupfs, all devices', (t) => {
  const host = { negativeOomScoreAdj: true, devices: [{ type: 'c' as const, path: '/dev/kmsg', major: 1, minor: 11 }] };
  const { spec } = specWith({ privileged: true, seccomp: { profileType: 'RuntimeDefault', localhostRef: '' }, maskedPaths: ['/x'] }, { sandbox: sandbox({ privileged: true }), host });
  t.is(spec.process.capabilities!.bounding.length, ALL_CAPABILITIES.length);
  t.is(spec.linux.maskedPaths, undefined);
  t.is(spec.linux.readonlyPaths, undefined);
  t.is(spec.linux.seccomp, undefined);
  t.true(spec.mounts.find((m) => m.destination === '/sys')!.options!.includes('rw'));
  t.true(spec.mounts.find((m) => m.destination === '/sys/fs/cgroup')!.options!.includes('rw'));
  t.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  t.deepEqual(spec.linux.devices, host.devices);
});

test('privileged container in an unprivileged sandbox is refused', (t) => {
  const err = t.throws(() => specWith({ privileged: true }), { instanceOf: SpecError });
  t.is(err?.field, 'privileged');
});

test('masked and readonly paths: containerd defaults unless the request lists its own', (t) => {
  t.deepEqual(specWith({}).spec.linux.maskedPaths, [...DEFAULT_MASKED_PATHS]);
  t.deepEqual(specWith({}).spec.linux.readonlyPaths, [...DEFAULT_READONLY_PATHS]);
  const { spec } = specWith({ maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] });
  t.deepEqual(spec.linux.maskedPaths, ['/proc/kcore']);
  t.deepEqual(spec.linux.readonlyPaths, ['/proc/sys']);
});

test('seccomp: RuntimeDefault is containerd\'s profile for this arch', (t) => {
  const s = specWith({ seccomp: { profileType: 'RuntimeDefault', localhostRef: '' } }).spec;
  const sc = s.linux.seccomp!;
  t.is(sc.defaultAction, 'SCMP_ACT_ERRNO');
  t.deepEqual(sc.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = allowed(s);
  for (const n of ['read', 'execve', 'arch_prctl', 'ptrace', 'chroot']) t.true(names.has(n), n); // chroot: CAP_SYS_CHROOT is a default
  for (const n of ['mount', 'unshare', 'reboot', 'bpf', 'kexec_load']) t.false(names.has(n), n);
  // Without CAP_SYS_ADMIN: clone only without namespace flags, clone3 answers ENOSYS.
  t.deepEqual(sc.syscalls!.find((r) => r.names.includes('clone'))!.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  t.is(sc.syscalls!.find((r) => r.names.includes('clone3'))!.errnoRet, 38);
});

test('seccomp: capabilities unlock their syscalls', (t) => {
  const s = specWith({ seccomp: { profileType: 'RuntimeDefault', localhostRef: '' }, capabilities: { addCapabilities: ['SYS_ADMIN', 'SYS_TIME'], dropCapabilities: ['SYS_CHROOT'], addAmbientCapabilities: [] } }).spec;
  const names = allowed(s);
  for (const n of ['mount', 'unshare', 'clone', 'clone3', 'settimeofday']) t.true(names.has(n), n);
  t.false(names.has('chroot'));
  t.false(s.linux.seccomp!.syscalls!.some((r) => r.action === 'SCMP_ACT_ERRNO'));
  t.deepEqual(runtimeDefaultProfile([], 'arm64').architectures, ['SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64']);
  t.true(runtimeDefaultProfile([], 's390x').syscalls!.some((r) => r.names[0] === 'clone' && r.args?.[0]?.index === 1));
});

test('seccomp: Unconfined, or nothing requested, means no filter', (t) => {
  t.is(specWith({ seccomp: { profileType: 'Unconfined', localhostRef: '' } }).spec.linux.seccomp, undefined);
  t.is(specWith({}).spec.linux.seccomp, undefined);
});

test('seccomp: Localhost uses the caller\'s text; missing or bad text is an error', (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }], comment: 'dropped' };
  const sc = { seccomp: { profileType: 'Localhost' as const, localhostRef: '/var/lib/kubelet/seccomp/p.json' } };
  t.deepEqual(specWith(sc, { seccompLocalhost: JSON.stringify(profile) }).spec.linux.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: profile.syscalls });
  t.throws(() => specWith(sc), { instanceOf: SpecError, message: /p\.json/ });
  t.throws(() => specWith(sc, { seccompLocalhost: '{' }), { instanceOf: SpecError });
  t.throws(() => specWith(sc, { seccompLocalhost: '{"syscalls":[]}' }), { message: /defaultAction/ });
  t.throws(() => specWith({ seccomp: { profileType: 'RuntimeDefault', localhostRef: '/x' } }), { instanceOf: SpecError });
});

test('seccomp: the legacy seccomp_profile_path', (t) => {
  t.truthy(specWith({ seccompProfilePath: 'runtime/default' }).spec.linux.seccomp);
  t.truthy(specWith({ seccompProfilePath: 'docker/default' }).spec.linux.seccomp);
  t.is(specWith({ seccompProfilePath: 'unconfined' }).spec.linux.seccomp, undefined);
  t.is(specWith({ seccompProfilePath: 'localhost/p.json' }, { seccompLocalhost: '{"defaultAction":"SCMP_ACT_LOG"}' }).spec.linux.seccomp!.defaultAction, 'SCMP_ACT_LOG');
  t.throws(() => specWith({ seccompProfilePath: 'bogus' }), { instanceOf: SpecError });
});

test('apparmor and selinux are accepted and ignored (no LSM here)', (t) => {
  const { spec } = specWith({ apparmor: { profileType: 'Localhost', localhostRef: 'k8s-x' }, apparmorProfile: 'localhost/k8s-x', selinuxOptions: { user: 'u', role: 'r', type: 't', level: 'l' } });
  t.false('apparmorProfile' in spec.process);
});

test('user namespaces are refused', (t) => {
  const err = t.throws(() => specWith({ namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD', targetId: '', usernsOptions: { mode: 'POD', uids: [], gids: [] } } }), { instanceOf: SpecError });
  t.regex(err!.field, /userns/);
});
