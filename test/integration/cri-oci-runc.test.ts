// The generated spec is accepted by the real runc and means what it says: a busybox rootfs
// run with `runc run` reports its uid/groups, capabilities, no_new_privs, seccomp mode,
// hostname, read-only rootfs and the sandbox files and CRI mounts it was given.
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { capabilitiesFromMask } from '../../src/cri/oci/capabilities.js';
import { containerSpec, type SpecInput } from '../../src/cri/oci/spec.js';
import { rootOnly } from '../helpers/root.js';
import { uniq } from '../helpers/names.js';
import { container, GROUP, mount, PASSWD, sandbox } from '../unit/cri/oci/fixture.js';

const run = promisify(execFile);
const APPLETS = ['sh', 'id', 'grep', 'cat', 'hostname', 'touch', 'echo'];

/** Every cgroup hierarchy (mount point) with this process's own path in it. */
async function ownCgroups(): Promise<{ mount: string; own: string }[]> {
  const own = new Map<string, string>();
  for (const line of (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n')) {
    const [, ctrls, path] = line.match(/^\d+:([^:]*):(.*)$/)!;
    own.set(ctrls!, path!);
  }
  const out: { mount: string; own: string }[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).trim().split('\n')) {
    const [pre, post] = line.split(' - ');
    const [fstype, , superOpts] = post!.split(' ');
    const mountPoint = pre!.split(' ')[4]!;
    if (fstype === 'cgroup2') out.push({ mount: mountPoint, own: own.get('') ?? '/' });
    else if (fstype === 'cgroup') {
      const opts = superOpts!.split(',');
      const key = [...own.keys()].find((k) => k && k.split(',').every((c) => opts.includes(c)));
      if (key !== undefined) out.push({ mount: mountPoint, own: own.get(key)! });
    }
  }
  return out;
}

/** Host facts as the CRI service would gather them from /proc/self. */
async function hostFacts(): Promise<SpecInput['host']> {
  const status = await readFile('/proc/self/status', 'utf8');
  const capabilities = capabilitiesFromMask(status.match(/^CapBnd:\s*(\w+)/m)![1]!);
  const limits = await readFile('/proc/self/limits', 'utf8');
  const maxNofile = Number(limits.match(/^Max open files\s+\d+\s+(\d+)/m)![1]);
  return { negativeOomScoreAdj: capabilities.includes('CAP_SYS_RESOURCE'), maxNofile, capabilities, arch: process.arch, hostname: 'node' };
}

/** A bundle dir with a busybox rootfs; removed, with runc state and cgroups, at teardown. */
async function bundle(t: ExecutionContext, id: string, parent: string) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-oci-'));
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'etc'));
  await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  await Promise.all(APPLETS.map((a) => symlink('busybox', join(rootfs, 'bin', a))));
  await writeFile(join(rootfs, 'etc/passwd'), PASSWD);
  await writeFile(join(rootfs, 'etc/group'), GROUP);
  const cgroups = await ownCgroups();
  t.teardown(async () => {
    await run('runc', ['--root', join(dir, 'runc'), 'delete', '--force', id]).catch(() => {});
    // runc removes only the leaf; the parent it created stays in every hierarchy.
    for (const { mount: m, own } of cgroups) {
      for (const p of [join(m, own, parent, id), join(m, own, parent)]) await rmdir(p).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
    }
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, rootfs };
}

async function runSpec(dir: string, id: string, spec: unknown): Promise<string> {
  await writeFile(join(dir, 'config.json'), JSON.stringify(spec, null, 1));
  const { stdout } = await run('runc', ['--root', join(dir, 'runc'), 'run', '--bundle', dir, id], { timeout: 60_000 });
  return stdout;
}

const field = (out: string, name: string) => out.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1]?.trim();

rootOnly(test)('runc runs a non-root container: ids, groups, no_new_privs, seccomp, read-only rootfs, sandbox files, mounts', async (t) => {
  const id = uniq('u');
  const parent = `skiff-test-${uniq()}`;
  const { dir, rootfs } = await bundle(t, id, parent);
  const files = join(dir, 'files');
  await mkdir(join(files, 'data'), { recursive: true });
  await chmod(join(files, 'data'), 0o777);
  await writeFile(join(files, 'hosts'), '127.0.0.1 localhost\n10.244.0.9 web-0\n');
  await writeFile(join(files, 'hostname'), 'web-0\n');
  await writeFile(join(files, 'resolv.conf'), 'nameserver 10.96.0.10\n');
  const script = [
    'id', 'grep -E "^(NoNewPrivs|CapEff|Seccomp):" /proc/self/status', 'echo "host: $(hostname)"', 'echo "env: $HOSTNAME $GREETING"',
    'touch /rootfs-write 2>/dev/null && echo "rootfs: rw" || echo "rootfs: ro"', 'touch /data/written && echo "data: rw"',
    'echo "hosts: $(grep web-0 /etc/hosts)"', 'echo "oom: $(cat /proc/self/oom_score_adj)"', 'echo "cwd: $(pwd)"',
    'echo "sysctl: $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) $(cat /proc/sys/kernel/shmmni)"',
    'echo "memory: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  ].join('; ');
  const input: SpecInput = {
    id, sandboxId: 'sb', rootfs, cgroupsPath: `${parent}/${id}`,
    container: container({
      command: ['/bin/sh', '-c', script], workingDir: '/data', envs: [{ key: 'GREETING', value: 'hi' }],
      mounts: [mount({ containerPath: '/data', hostPath: join(files, 'data') })],
      sc: { runAsUsername: 'app', noNewPrivs: true, readonlyRootfs: true, seccomp: { profileType: 'RuntimeDefault', localhostRef: '' } },
      res: { oomScoreAdj: '-5', memoryLimitInBytes: String(64 << 20), cpuShares: '256' },
    }),
    sandbox: sandbox({ hostname: 'web-0', sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shmmni': '1024' } }),
    image: { Env: ['PATH=/bin'] },
    namespaces: { network: { kind: 'new' }, ipc: { kind: 'new' }, uts: { kind: 'new' }, pid: { kind: 'new' } },
    sandboxFiles: { hosts: join(files, 'hosts'), hostname: join(files, 'hostname'), resolvConf: join(files, 'resolv.conf') },
    etcPasswd: PASSWD, etcGroup: GROUP,
    host: await hostFacts(),
  };
  const { spec, warnings } = containerSpec(input);
  t.log(warnings.join('\n'));
  const out = await runSpec(dir, id, spec);
  t.log(out);
  t.is(out.split('\n')[0], 'uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)');
  t.is(field(out, 'NoNewPrivs'), '1');
  t.is(field(out, 'Seccomp'), '2');
  t.is(field(out, 'CapEff'), '0000000000000000');
  t.is(field(out, 'host'), 'web-0');
  t.is(field(out, 'env'), 'web-0 hi');
  t.is(field(out, 'rootfs'), 'ro');
  t.is(field(out, 'data'), 'rw');
  t.is(field(out, 'hosts'), '10.244.0.9 web-0');
  t.is(field(out, 'cwd'), '/data');
  t.is(field(out, 'oom'), input.host.negativeOomScoreAdj ? '-5' : '0');
  t.is(field(out, 'sysctl'), '80 1024');
  t.is(field(out, 'memory'), String(64 << 20));
  await t.notThrowsAsync(readFile(join(files, 'data/written')));
});

rootOnly(test)('runc runs a root container with capabilities dropped to one, and the RLIMIT_NOFILE clamp', async (t) => {
  const id = uniq('r');
  const parent = `skiff-test-${uniq()}`;
  const { dir, rootfs } = await bundle(t, id, parent);
  const script = 'id; grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status; grep "open files" /proc/self/limits';
  const { spec } = containerSpec({
    id, rootfs, cgroupsPath: `${parent}/${id}`,
    container: container({
      command: ['/bin/sh', '-c', script],
      sc: { capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'], addAmbientCapabilities: [] }, seccomp: { profileType: 'RuntimeDefault', localhostRef: '' } },
    }),
    sandbox: sandbox(), image: {},
    namespaces: { network: { kind: 'new' }, ipc: { kind: 'new' }, uts: { kind: 'new' }, pid: { kind: 'new' } },
    etcPasswd: PASSWD, etcGroup: GROUP,
    host: await hostFacts(),
  });
  const out = await runSpec(dir, id, spec);
  t.log(out);
  t.regex(out, /^uid=0\(root\) gid=0\(root\)/);
  t.is(field(out, 'CapEff'), '0000000000000400'); // bit 10: CAP_NET_BIND_SERVICE
  t.is(field(out, 'CapBnd'), '0000000000000400');
  t.is(field(out, 'Seccomp'), '2');
  const max = (await hostFacts()).maxNofile!;
  t.regex(out, new RegExp(`Max open files\\s+${Math.min(max, 1048576)}\\s+${Math.min(max, 1048576)}`));
});

rootOnly(test)('runc runs a privileged container: the runtime\'s capabilities, no seccomp, nothing masked, writable sysfs', async (t) => {
  const id = uniq('p');
  const parent = `skiff-test-${uniq()}`;
  const { dir, rootfs } = await bundle(t, id, parent);
  const script = 'grep -E "^(CapEff|Seccomp):" /proc/self/status; grep -E " /sys | /proc/kcore " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1';
  await symlink('busybox', join(rootfs, 'bin/cut'));
  const host = await hostFacts();
  const { spec } = containerSpec({
    id, rootfs, cgroupsPath: `${parent}/${id}`,
    container: container({ command: ['/bin/sh', '-c', script], sc: { privileged: true, seccomp: { profileType: 'RuntimeDefault', localhostRef: '' } } }),
    sandbox: sandbox({ privileged: true }), image: {},
    namespaces: { network: { kind: 'new' }, ipc: { kind: 'new' }, uts: { kind: 'new' }, pid: { kind: 'new' } },
    host,
  });
  const out = await runSpec(dir, id, spec);
  t.log(out);
  const bnd = (await readFile('/proc/self/status', 'utf8')).match(/^CapBnd:\s*(\w+)/m)![1];
  t.is(field(out, 'CapEff'), bnd);
  t.is(field(out, 'Seccomp'), '0');
  t.regex(out, /^\/sys rw$/m);
  t.notRegex(out, /\/proc\/kcore/);
});
