import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import type { ExecutionContext, TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { CreateOptions, OciRuntime } from '../../src/host/oci/types.js';
import { eventually, uniq } from '../helpers/names.js';

// The OCI runtime contract: run against FakeOciRuntime (test/unit/oci-contract.test.ts) and
// against runc + conmon as root (test/integration/oci-contract.test.ts).

/** What a test container does. The fake is told the same by the env. */
export type Program =
  | 'sleeper' // runs until killed; SIGTERM ends it with 143 (a shell with a TERM trap)
  | 'stubborn' // PID 1 without handlers: survives SIGTERM, only SIGKILL ends it (137)
  | 'exit3' // prints 'out' to stdout and 'err' to stderr, exits 3
  | 'broken' // runc create fails (the bundle's executable does not exist)
  | 'cat'; // copies stdin to stdout (create it with stdin: true)

export interface OciContractEnv {
  name: string;
  runtime: OciRuntime;
  /** A bundle for program, with a unique id, log path and stateDir, removed at teardown. */
  container(t: ExecutionContext, program: Program): Promise<CreateOptions>;
  /** Resolves once a started program behaves as its Program says (see programReady); absent: at once. */
  ready?(pid: number, program: Program): Promise<void>;
}

export function ociContract(test: TestFn, env: OciContractEnv): void {
  const rt = env.runtime;
  const named = (title: string) => `${env.name} oci: ${title}`;
  const ready = async (id: string, program: Program) => env.ready?.((await rt.state(id))!.pid, program);

  test(named('create -> created, start -> running, SIGTERM -> exit 143, delete twice'), async (t) => {
    const c = await env.container(t, 'sleeper');
    const { pid } = await rt.create(c);
    t.true(pid > 0);
    t.deepEqual(await rt.state(c.id), { status: 'created', pid });
    t.is(await rt.exitStatus(c.stateDir), undefined);
    await rt.start(c.id);
    t.deepEqual(await rt.state(c.id), { status: 'running', pid });
    t.true((await rt.list()).some((l) => l.id === c.id && l.status === 'running' && l.pid === pid));
    await ready(c.id, 'sleeper');
    await rt.kill(c.id, 'SIGTERM');
    const exit = await rt.waitExit(c.stateDir);
    t.is(exit.exitCode, 143);
    t.false(exit.oomKilled);
    t.deepEqual(await rt.exitStatus(c.stateDir), exit);
    t.deepEqual(await rt.state(c.id), { status: 'stopped', pid: 0 });
    await rt.kill(c.id, 'SIGKILL'); // already stopped: fine
    await rt.delete(c.id);
    await rt.delete(c.id);
    t.is(await rt.state(c.id), undefined);
    t.false((await rt.list()).some((l) => l.id === c.id));
    t.deepEqual(await rt.exitStatus(c.stateDir), exit, 'the record outlives runc state');
  });

  test(named('a process that exits by itself: its code and finish time are recorded'), async (t) => {
    const c = await env.container(t, 'exit3');
    const before = Date.now();
    await rt.create(c);
    await rt.start(c.id);
    const exit = await rt.waitExit(c.stateDir);
    t.is(exit.exitCode, 3);
    t.false(exit.oomKilled);
    // mtime granularity: compare at second resolution
    t.true(exit.finishedAt.getTime() >= Math.floor(before / 1000) * 1000 - 1000);
    t.true(exit.finishedAt.getTime() <= Date.now() + 1000);
    t.is((await eventually(async () => {
      const s = await rt.state(c.id);
      if (s?.status !== 'stopped') throw new Error(`still ${s?.status}`);
      return s;
    })).status, 'stopped');
  });

  test(named('SIGTERM is ignored by a PID 1 without handlers; SIGKILL (by number) ends it with 137'), async (t) => {
    const c = await env.container(t, 'stubborn');
    await rt.create(c);
    await rt.start(c.id);
    await ready(c.id, 'stubborn');
    await rt.kill(c.id, 'TERM');
    t.is((await rt.state(c.id))?.status, 'running');
    t.is(await rt.exitStatus(c.stateDir), undefined);
    await rt.kill(c.id, 9);
    t.is((await rt.waitExit(c.stateDir)).exitCode, 137);
  });

  test(named('a created container can be killed and deleted; delete of a running one kills it'), async (t) => {
    const a = await env.container(t, 'sleeper');
    await rt.create(a);
    await rt.kill(a.id, 'SIGKILL');
    t.is((await rt.waitExit(a.stateDir)).exitCode, 137);
    await rt.delete(a.id);
    t.is(await rt.state(a.id), undefined);

    const b = await env.container(t, 'stubborn');
    await rt.create(b);
    await rt.start(b.id);
    await rt.delete(b.id);
    t.is(await rt.state(b.id), undefined);
    t.is((await rt.waitExit(b.stateDir)).exitCode, 137);
  });

  test(named('unknown ids: state undefined, start/kill/update ENOENT, delete fine'), async (t) => {
    const id = uniq('none');
    t.is(await rt.state(id), undefined);
    t.is((await t.throwsAsync<HostError>(rt.start(id)))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(rt.kill(id, 'SIGTERM')))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(rt.update(id, { pids: { limit: 100 } })))?.code, 'ENOENT');
    await rt.delete(id);
  });

  test(named('start twice is EINVAL; a bad signal is EINVAL'), async (t) => {
    const c = await env.container(t, 'stubborn');
    await rt.create(c);
    await rt.start(c.id);
    t.is((await t.throwsAsync<HostError>(rt.start(c.id)))?.code, 'EINVAL');
    t.is((await t.throwsAsync<HostError>(rt.kill(c.id, 'SIGNOPE')))?.code, 'EINVAL');
    t.is((await rt.state(c.id))?.status, 'running');
    await rt.kill(c.id, 'SIGKILL');
    await rt.waitExit(c.stateDir);
  });

  test(named('a duplicate id is EEXIST and leaves the first container alone'), async (t) => {
    const a = await env.container(t, 'stubborn');
    const { pid } = await rt.create(a);
    const b = { ...(await env.container(t, 'stubborn')), id: a.id };
    t.is((await t.throwsAsync<HostError>(rt.create(b)))?.code, 'EEXIST');
    t.deepEqual(await rt.state(a.id), { status: 'created', pid });
    await rt.start(a.id);
    t.is((await rt.state(a.id))?.status, 'running');
    await rt.kill(a.id, 'SIGKILL');
    await rt.waitExit(a.stateDir);
  });

  test(named('a failed create rejects with runc\'s text and leaves nothing behind'), async (t) => {
    const c = await env.container(t, 'broken');
    const err = await t.throwsAsync<HostError>(rt.create(c));
    t.truthy(err?.message);
    t.is(await rt.state(c.id), undefined);
    t.false((await rt.list()).some((l) => l.id === c.id));
    t.is(await rt.exitStatus(c.stateDir), undefined);
    t.is((await t.throwsAsync<HostError>(rt.reopenLog(c.stateDir)))?.code, 'ENOENT');
  });

  test(named('waitExit is abortable; bad input is EINVAL'), async (t) => {
    const c = await env.container(t, 'stubborn');
    await rt.create(c);
    const ac = new AbortController();
    const waiting = rt.waitExit(c.stateDir, ac.signal);
    ac.abort(new Error('gave up'));
    t.is((await t.throwsAsync(waiting))?.message, 'gave up');
    for (const bad of [{ ...c, id: 'bad/id' }, { ...c, id: uniq(), bundle: 'relative' }]) {
      t.is((await t.throwsAsync<HostError>(rt.create(bad)))?.code, 'EINVAL', JSON.stringify(bad));
    }
    await rt.delete(c.id);
  });

  test(named('attach to cat: stdin comes back on stdout; the attach ends with the process; ENOENT after'), async (t) => {
    const c = { ...(await env.container(t, 'cat')), stdin: true };
    await rt.create(c);
    await rt.start(c.id);
    const a = await rt.attach(c.stateDir, { stdin: true, tty: false });
    t.truthy(a.stderr);
    t.is(a.resize, undefined);
    const out = text(a.stdout);
    a.stdin!.write('ping\n');
    await eventually(async () => {
      if (out.now() !== 'ping\n') throw new Error(`got ${JSON.stringify(out.now())}`);
    });
    await rt.kill(c.id, 'SIGKILL');
    t.is((await rt.waitExit(c.stateDir)).exitCode, 137);
    t.is(await out.ended, 'ping\n');
    await a.done;
    await eventually(async () => {
      const err = await rt.attach(c.stateDir, { stdin: false, tty: false }).then(async (x) => void (await x.close()), (e: HostError) => e);
      if (err?.code !== 'ENOENT') throw new Error(`attach after exit: ${err?.code ?? 'resolved'}`);
    });
  });

  test(named('tty exec: one output stream with terminal line ends, resize, the exit code'), async (t) => {
    const c = await env.container(t, 'stubborn');
    await rt.create(c);
    await rt.start(c.id);
    const p = await rt.exec(c.id, ['/bin/busybox', 'sh', '-c', 'echo hi; exit 2'], { tty: true, stdin: false });
    t.is(p.stderr, undefined);
    t.is(p.stdin, undefined);
    const out = text(p.stdout);
    p.resize!(100, 30);
    t.is(await p.exit, 2);
    t.regex(await out.ended, /^hi\r+\n$/);
    await rt.kill(c.id, 'SIGKILL');
    await rt.waitExit(c.stateDir);
  });

  test(named('exec: the output of a command that exits before anyone reads is kept for a late reader'), async (t) => {
    const c = await env.container(t, 'stubborn');
    await rt.create(c);
    await rt.start(c.id);
    const p = await rt.exec(c.id, ['/bin/busybox', 'sh', '-c', 'echo out; echo err >&2'], { tty: false, stdin: false });
    t.is(await p.exit, 0);
    await new Promise((r) => setTimeout(r, 100)); // the streaming server reads only after its client set up its streams
    t.is(await text(p.stdout).ended, 'out\n');
    t.is(await text(p.stderr!).ended, 'err\n');
    await rt.kill(c.id, 'SIGKILL');
    await rt.waitExit(c.stateDir);
  });

  test(named('update of a running container; reopenLog while conmon lives, ENOENT after'), async (t) => {
    const c = await env.container(t, 'sleeper');
    await rt.create(c);
    await rt.start(c.id);
    await rt.update(c.id, { pids: { limit: 200 } });
    await rt.reopenLog(c.stateDir);
    t.is((await rt.state(c.id))?.status, 'running');
    await rt.kill(c.id, 'SIGKILL');
    await rt.waitExit(c.stateDir);
    await eventually(async () => {
      const err = await rt.reopenLog(c.stateDir).then(() => undefined, (e: HostError) => e);
      if (err?.code !== 'ENOENT') throw new Error(`reopenLog after exit: ${err?.code ?? 'resolved'}`);
    });
  });
}

/** What a stream has delivered so far, and all of it once it ends. */
function text(r: Readable): { now: () => string; ended: Promise<string> } {
  let s = '';
  r.on('data', (d: Buffer) => (s += d.toString()));
  return { now: () => s, ended: new Promise((resolve) => r.on('end', () => resolve(s))) };
}

// ---- the real env: busybox bundles under a temp dir, one cgroup subtree per container ----

const run = promisify(execFile);

const ARGS: Record<Program, string[]> = {
  sleeper: ['/bin/busybox', 'sh', '-c', 'trap "exit 143" TERM; /bin/busybox sleep 1000 & wait'],
  stubborn: ['/bin/busybox', 'sleep', '1000'],
  exit3: ['/bin/busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
  broken: ['/bin/no-such-program'],
  cat: ['/bin/busybox', 'cat'],
};

export interface BundleOptions {
  args: string[];
  /** linux.resources.memory.limit in bytes. */
  memoryLimit?: number;
  /** process.terminal (create with tty: true as well). */
  terminal?: boolean;
}

/**
 * A runc bundle (rootfs: busybox-static; config: `runc spec` with args, no terminal, a unique
 * relative cgroupsPath) plus the container's log path and stateDir. Teardown removes runc's
 * state, a surviving conmon (by pid), the cgroups in every hierarchy, and the temp dir.
 */
export async function makeBundle(t: ExecutionContext, runcRoot: string, opts: BundleOptions): Promise<CreateOptions> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-oci-'));
  const id = uniq('c');
  const bundle = join(dir, 'bundle');
  const parent = `skiff-test-${id}`;
  const c: CreateOptions = { id, bundle, logPath: join(dir, 'logs', 'ctr.log'), stateDir: join(dir, 'state') };
  t.teardown(async () => {
    await run('runc', ['--root', runcRoot, 'delete', '--force', id]).catch(() => {});
    const conmon = Number((await readFile(join(c.stateDir, 'oci.json'), 'utf8').then((s) => JSON.parse(s) as { conmonPid: number }).catch(() => ({ conmonPid: 0 }))).conmonPid);
    if (conmon > 0) {
      try {
        const cmd = await readFile(`/proc/${conmon}/cmdline`, 'utf8');
        if (cmd.startsWith('/usr/bin/conmon') || cmd.split('\0')[0]!.endsWith('conmon')) process.kill(conmon, 'SIGKILL');
      } catch {}
    }
    await removeCgroups(parent, id);
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(join(bundle, 'rootfs', 'bin'), { recursive: true });
  await mkdir(join(dir, 'logs'));
  await copyFile('/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
  await chmod(join(bundle, 'rootfs', 'bin', 'busybox'), 0o755);
  await run('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
    process: { args: string[]; terminal: boolean };
    linux: { cgroupsPath?: string; resources?: { memory?: { limit?: number } } };
  };
  spec.process.args = opts.args;
  spec.process.terminal = opts.terminal ?? false;
  spec.linux.cgroupsPath = `${parent}/${id}`;
  if (opts.memoryLimit) spec.linux.resources = { ...spec.linux.resources, memory: { limit: opts.memoryLimit } };
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec, null, 1));
  return c;
}

/**
 * Resolves once process `pid` runs the program itself with its handlers set: `runc start`
 * returns before runc init has exec'd, and a signal that lands earlier ends runc init with Go's
 * status 2 (or meets a shell that has not set its TERM trap yet). Rejects after 10 s.
 */
export async function programReady(pid: number, program: Program): Promise<void> {
  await eventually(async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    if (/^Name:\s+runc/m.test(status)) throw new Error(`${pid} is still runc init`);
    const caught = BigInt(`0x${/^SigCgt:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`);
    if (program === 'sleeper' && !(caught & (1n << 14n))) throw new Error(`${pid} has not set its TERM trap yet`);
  }, 10_000);
}

export function programBundle(t: ExecutionContext, runcRoot: string, program: Program): Promise<CreateOptions> {
  return makeBundle(t, runcRoot, { args: ARGS[program] });
}

/**
 * rmdir of <hierarchy>/<our cgroup>/<parent>/<leaf> and then <parent> in every hierarchy this
 * process is in (runc removes the leaf only, and only when it deletes the container).
 */
export async function removeCgroups(parent: string, leaf: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')).filter((f) => f[f.indexOf('-') + 1]?.startsWith('cgroup'));
  const own = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').filter(Boolean).map((l) => {
    const [, ctrls, path] = /^\d+:([^:]*):(.*)$/.exec(l)!;
    return { ctrls: ctrls!, path: path! };
  });
  const dirs: string[] = [];
  for (const f of mounts) {
    const sep = f.indexOf('-');
    const fstype = f[sep + 1]!;
    const superOpts = (f[sep + 3] ?? '').split(',');
    const mine = fstype === 'cgroup2' ? own.find((o) => o.ctrls === '') : own.find((o) => o.ctrls !== '' && o.ctrls.split(',').every((x) => superOpts.includes(x)));
    if (!mine || f[3] !== '/') continue;
    dirs.push(join(f[4]!, mine.path, parent));
  }
  await Promise.all(dirs.map(async (d) => {
    for (const p of [join(d, leaf), d]) {
      await eventually(async () => {
        try {
          await rmdir(p);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      });
    }
  }));
}
