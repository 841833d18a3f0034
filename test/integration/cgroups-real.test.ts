// The cgroups contract and the v1 driver's placement against the real kernel (hybrid v1
// here), and the v2 driver on the hybrid unified hierarchy. Unique roots inside the test
// process's own cgroups, node child processes as workloads, and a cleanup that does not
// trust the code under test (it finds the root by name in every hierarchy, rmdirs leaf first).
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import { detectCgroups } from '../../src/host/cgroups/detect.js';
import { parseProcCgroup } from '../../src/host/cgroups/paths.js';
import type { Cgroups } from '../../src/host/cgroups/types.js';
import type { CgroupsV1 } from '../../src/host/cgroups/v1.js';
import { CgroupsV2 } from '../../src/host/cgroups/v2.js';
import type { CgroupsContractEnv, Workload } from '../contract/cgroups.case.js';
import { cgroupsContract } from '../contract/cgroups.case.js';
import { eventually, isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

const MOUNT = '/sys/fs/cgroup';

/** Every directory named `name` under the cgroup mounts (wherever it is: escapes included). */
async function findByName(name: string, dir = MOUNT, depth = 6): Promise<string[]> {
  if (depth === 0) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found = await Promise.all(entries.filter((e) => e.isDirectory()).map(async (e) => {
    const path = join(dir, e.name);
    return e.name === name ? [path] : findByName(name, path, depth - 1);
  }));
  return found.flat();
}

async function rmTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmTree(join(dir, e.name));
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** A unique root; at teardown every cgroup of that name is removed, leaf first (after the processes' teardowns). */
async function freshRoot(t: ExecutionContext): Promise<string> {
  const root = `skiff-test-${uniq()}`;
  t.teardown(async () => {
    // Killed processes leave their cgroups a moment later: retry EBUSY.
    for (const dir of await findByName(root)) await eventually(() => rmTree(dir));
  });
  return root;
}

/**
 * A node process that waits on stdin; each line 'N' burns some CPU, allocates and touches N
 * bytes, and answers 'ok'. Its startup memory stays charged where it started; only what it
 * allocates after being moved counts in its new cgroup.
 */
async function nodeWorkload(t: ExecutionContext): Promise<Workload> {
  const code = `const keep = []; let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
    let x = 0; for (let k = 0; k < 3e6; k++) x += k;
    keep.push(Buffer.alloc(Number(buf.slice(0, i)), x & 255 || 1));
    process.stdout.write('ok\\n');
  }
});
process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  const nextLine = () => new Promise<string>((resolve) => {
    const onData = (d: Buffer) => {
      child.stdout!.off('data', onData);
      resolve(d.toString().trim());
    };
    child.stdout!.on('data', onData);
    void exit.then(() => resolve('exited'));
  });
  if ((await nextLine()) !== 'ready') throw new Error('workload did not start');
  return {
    pid: child.pid!,
    work: async (bytes) => {
      const answer = nextLine();
      child.stdin!.write(`${bytes}\n`);
      return (await answer) === 'ok';
    },
    exited: () => exit,
  };
}

const realEnv: CgroupsContractEnv = {
  name: 'real',
  fresh: async (t): Promise<Cgroups> => detectCgroups({ root: await freshRoot(t) }),
  spawn: (t) => nodeWorkload(t),
};

const t = rootOnly(test);
if (isRoot) cgroupsContract(t, realEnv);

const procCgroup = async (pid: number | 'self') => parseProcCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8'));

/** Each hierarchy's path of pid is the test process's own path + rel (what runc would do with a relative cgroupsPath). */
async function assertNestedUnderOwn(tt: ExecutionContext, pid: number, rel: string): Promise<void> {
  const [own, theirs] = await Promise.all([procCgroup('self'), procCgroup(pid)]);
  for (const line of own) {
    const name = line.controllers.join(',') || 'unified';
    tt.is(theirs.find((l) => l.id === line.id)?.path, posix.join(line.path, rel), name);
  }
}

/** Runs a runc container `sleep` under a temp state dir, with the given cgroupsPath; deleted at teardown. */
async function runcSleep(tt: ExecutionContext, cgroupsPath: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cg-runc-'));
  const [state, bundle, id] = [join(dir, 'state'), join(dir, 'bundle'), uniq()];
  const runc = (...args: string[]) => new Promise<string>((resolve, reject) => {
    // 'ignore' stdin: a detached container must not hold our pipes open.
    const p = spawn('runc', ['--root', state, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`runc ${args.join(' ')}: ${code} ${err}`))));
  });
  tt.teardown(async () => {
    await runc('delete', '--force', id).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(join(bundle, 'rootfs/bin'), { recursive: true });
  await copyFile('/bin/busybox', join(bundle, 'rootfs/bin/busybox'));
  await chmod(join(bundle, 'rootfs/bin/busybox'), 0o755);
  await symlink('busybox', join(bundle, 'rootfs/bin/sleep'));
  await runc('spec', '--bundle', bundle);
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
  spec.process.args = ['/bin/sleep', '1000'];
  spec.process.terminal = false;
  spec.linux.cgroupsPath = cgroupsPath;
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  // -d with no terminal: the container's stdio is runc's (/dev/null here, so no pipe stays open).
  await new Promise<void>((resolve, reject) => {
    const p = spawn('runc', ['--root', state, 'run', '-d', '--bundle', bundle, id], { stdio: 'ignore' });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run: exit ${code}`))));
  });
  tt.teardown(() => runc('kill', id, 'KILL').catch(() => {}));
  return (JSON.parse(await runc('state', id)) as { pid: number }).pid;
}

t('v1: every cgroup is made inside the test process\'s own cgroup, in every hierarchy runc joins', async (tt) => {
  const root = await freshRoot(tt);
  const cg = (await detectCgroups({ root })) as CgroupsV1;
  tt.is(cg.version, 1);
  const kinds = cg.hierarchies.map((h) => h.controllers.join(',') || 'unified');
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'devices', 'blkio', 'name=systemd', 'unified']) tt.true(kinds.includes(c), c);
  await cg.create('pod/ctr', { cpusetCpus: '0', memoryLimit: 64 * 1024 * 1024 });
  const w = await nodeWorkload(tt);
  await cg.attach('pod/ctr', w.pid);
  await assertNestedUnderOwn(tt, w.pid, `${root}/pod/ctr`);
  // Nothing anywhere else: each directory of that name sits right under this process's own cgroup.
  tt.deepEqual((await findByName(root)).sort(), cg.hierarchies.map((h) => join(h.own, root)).sort());
  await cg.kill('');
  await w.exited();
  await cg.remove('');
  tt.deepEqual(await findByName(root), []);
});

t('runc given runcPath() lands in the cgroups skiff made; kill and remove clean up after it', async (tt) => {
  const root = await freshRoot(tt);
  const cg = await detectCgroups({ root });
  await cg.create('pod', { memoryLimit: 64 * 1024 * 1024, pidsLimit: 50 });
  const pid = await runcSleep(tt, cg.runcPath('pod/ctr'));
  await assertNestedUnderOwn(tt, pid, `${root}/pod/ctr`);
  tt.deepEqual(await cg.pids('pod'), [pid]);
  tt.deepEqual(await cg.pids('pod/ctr'), [pid]);
  const s = await cg.stats('pod');
  tt.is(s.memory.limitBytes, 64 * 1024 * 1024);
  tt.is(s.pids.limit, 50);
  tt.is(s.pids.current, 1);
  tt.is((await tt.throwsAsync<HostError>(cg.remove('pod')))?.code, 'EBUSY');
  await cg.kill('pod');
  tt.deepEqual(await cg.pids('pod'), []);
  // runc removes only the leaf it made; the pod level is ours to remove.
  await cg.remove('pod');
  tt.false(await cg.exists('pod'));
});

t('v2 driver on the hybrid unified hierarchy: cgroup.kill, EBUSY, leaf-first removal', async (tt) => {
  const root = await freshRoot(tt);
  const own = (await procCgroup('self')).find((l) => l.id === 0 && l.controllers.length === 0);
  if (!own) return tt.pass('no unified hierarchy');
  const dir = join(MOUNT, 'unified', own.path);
  const subtreeControl = () => readFile(join(dir, 'cgroup.subtree_control'), 'utf8');
  const before = await subtreeControl();
  // No controllers to enable: the hybrid unified tree has none skiff limits, and its root is the host's.
  const cg = new CgroupsV2(dir, [root], []);
  await cg.create('pod/ctr');
  const w = await nodeWorkload(tt);
  await cg.attach('pod/ctr', w.pid);
  tt.deepEqual(await cg.pids('pod'), [w.pid]);
  tt.is((await tt.throwsAsync<HostError>(cg.remove('pod')))?.code, 'EBUSY');
  await cg.kill('pod');
  await w.exited();
  tt.deepEqual(await cg.pids('pod'), []);
  await cg.remove('');
  await cg.remove('');
  tt.false(await cg.exists(''));
  tt.is(await subtreeControl(), before);
});
