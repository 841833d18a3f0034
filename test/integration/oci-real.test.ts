import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import { realOciRuntime } from '../../src/host/oci/real.js';
import type { CreateOptions } from '../../src/host/oci/types.js';
import { makeBundle, programReady, type BundleOptions } from '../contract/oci.case.js';
import { eventually, isRoot, uniq } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';

// What only runc + conmon can show: the CRI log format, exec, log reopening, OOM kills,
// conmon's independence from us, and that we leave no zombie behind.

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([FP]) (.*)$/;
const SH = (script: string) => ['/bin/busybox', 'sh', '-c', script];

const rt0 = rootOnly(test);
if (isRoot) {
  const runcRoot = await mkdtemp(join(tmpdir(), 'skiff-runc-'));
  test.after.always(() => rm(runcRoot, { recursive: true, force: true }));
  const oci = realOciRuntime({ runcRoot });

  /** A running container; SIGKILLed at teardown (makeBundle's teardown removes the rest). */
  const running = async (t: ExecutionContext, opts: BundleOptions): Promise<CreateOptions> => {
    const c = await makeBundle(t, runcRoot, opts);
    await oci.create(c);
    t.teardown(() => oci.kill(c.id, 'SIGKILL').catch(() => {}));
    await oci.start(c.id);
    return c;
  };
  const logLines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  const sleeper = { args: SH('trap "exit 143" TERM; /bin/busybox sleep 1000 & wait') };

  rt0('conmon writes stdout and stderr to the log in the CRI format, partial lines marked P', async (t) => {
    const c = await running(t, { args: SH('echo first; echo oops >&2; printf partial; echo; echo last') });
    t.is((await oci.waitExit(c.stateDir)).exitCode, 0);
    const lines = (await logLines(c.logPath)).map((l) => CRI_LINE.exec(l));
    t.true(lines.every(Boolean), (await readFile(c.logPath, 'utf8')));
    const entries = lines.map((m) => `${m![2]} ${m![3]} ${m![4]}`);
    t.deepEqual(entries.filter((e) => e.startsWith('stdout')).join('|').replace('stdout P partial|stdout F |', 'stdout F partial|'), 'stdout F first|stdout F partial|stdout F last');
    t.deepEqual(entries.filter((e) => e.startsWith('stderr')), ['stderr F oops']);
    for (const m of lines) t.false(Number.isNaN(Date.parse(m![1]!)));
  });

  rt0('a tty container: conmon holds the terminal and logs what it prints', async (t) => {
    const c = await makeBundle(t, runcRoot, { args: SH('[ -t 1 ] && echo on a tty; exit 2'), terminal: true });
    await oci.create({ ...c, tty: true });
    await oci.start(c.id);
    t.is((await oci.waitExit(c.stateDir)).exitCode, 2);
    // a terminal ends lines with \r\n: the \r stays in the message
    const lines = (await logLines(c.logPath)).map((l) => CRI_LINE.exec(l.replace(/\r$/, '')));
    t.deepEqual(lines.map((m) => `${m?.[2]} ${m?.[3]} ${m?.[4]}`), ['stdout F on a tty']);
  });

  rt0('execSync: stdout, stderr, exit code, env and cwd', async (t) => {
    const c = await running(t, sleeper);
    const r = await oci.execSync(c.id, SH('echo "$GREETING from $(pwd)"; echo bad >&2; exit 7'), { env: ['GREETING=hello'], cwd: '/bin' });
    t.is(r.stdout.toString(), 'hello from /bin\n');
    t.is(r.stderr.toString(), 'bad\n');
    t.is(r.exitCode, 7);
    t.false(r.timedOut);
    const id = await oci.execSync(c.id, ['/bin/busybox', 'id', '-u'], { user: { uid: 1000, gid: 1000 } });
    t.is(id.stdout.toString().trim(), '1000');
    const small = realOciRuntime({ runcRoot, execSyncMaxBytes: 10 });
    const big = await small.execSync(c.id, SH('/bin/busybox head -c 100000 /dev/zero; exit 5'));
    t.deepEqual([big.stdout.length, big.exitCode], [10, 5], 'output beyond the cap is dropped, the process runs to its end');
  });

  rt0('execSync: a timeout kills the exec\'d process, not the container', async (t) => {
    const c = await running(t, sleeper);
    const r = await oci.execSync(c.id, ['/bin/busybox', 'sleep', '777'], { timeoutMs: 300 });
    t.true(r.timedOut);
    t.is(r.exitCode, 137);
    const ps = await oci.execSync(c.id, ['/bin/busybox', 'ps', '-o', 'args']);
    t.false(ps.stdout.toString().includes('sleep 777'), ps.stdout.toString());
    t.is((await oci.state(c.id))?.status, 'running');
  });

  rt0('execSync: unknown container is ENOENT; a missing executable rejects with runc\'s text', async (t) => {
    t.is((await t.throwsAsync<HostError>(oci.execSync(uniq('none'), ['/bin/true'])))?.code, 'ENOENT');
    const c = await running(t, sleeper);
    const r = await oci.execSync(c.id, ['/bin/nope']).then((x) => `exit ${x.exitCode}`, (e: Error) => e.message);
    t.regex(r, /nope|exit [1-9]/);
  });

  rt0('exec streams stdin to stdout and reports the exit code', async (t) => {
    const c = await running(t, sleeper);
    const s = await oci.exec(c.id, SH('/bin/busybox cat; echo done >&2; exit 4'), { tty: false, stdin: true });
    let out = '';
    let err = '';
    s.stdout.on('data', (d: Buffer) => (out += d.toString()));
    s.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    s.stdin!.end('ping\npong\n');
    t.is(await s.exit, 4);
    await eventually(() => {
      if (out !== 'ping\npong\n' || err !== 'done\n') throw new Error(`${out}|${err}`);
    });
    t.pass();
  });

  rt0('reopenLog: after a rename, new lines go to a new file at the log path', async (t) => {
    const c = await running(t, { args: SH('i=0; while :; do echo line$i; i=$((i+1)); /bin/busybox sleep 0.05; done') });
    await eventually(async () => {
      if ((await logLines(c.logPath)).length < 2) throw new Error('no lines yet');
    });
    await rename(c.logPath, `${c.logPath}.1`);
    await oci.reopenLog(c.stateDir);
    const num = (l: string) => Number(/line(\d+)$/.exec(l)?.[1]);
    await eventually(async () => {
      if ((await logLines(c.logPath)).length < 2) throw new Error('nothing in the new file yet');
    });
    const old = (await logLines(`${c.logPath}.1`)).map(num);
    const fresh = (await logLines(c.logPath)).map(num);
    t.true(Math.max(...old) < Math.min(...fresh), `${old.join(',')} / ${fresh.join(',')}`);
    for (const l of await logLines(c.logPath)) t.regex(l, CRI_LINE);
  });

  rt0('an OOM kill under a 20 MiB limit is recorded as oomKilled', async (t) => {
    const c = await running(t, { args: SH('x=$(/bin/busybox head -c 64000000 /dev/zero | /bin/busybox tr "\\0" a); echo survived'), memoryLimit: 20 * 1024 * 1024 });
    const exit = await oci.waitExit(c.stateDir);
    t.true(exit.oomKilled);
    t.is(exit.exitCode, 137);
    t.deepEqual(await oci.exitStatus(c.stateDir), exit);
  });

  rt0('conmon lives in its own session, survives as a restarted runtime finds it, and is reaped when done', async (t) => {
    const c = await running(t, sleeper);
    await programReady((await oci.state(c.id))!.pid, 'sleeper');
    const meta = JSON.parse(await readFile(join(c.stateDir, 'oci.json'), 'utf8')) as { conmonPid: number };
    const stat = (await readFile(`/proc/${meta.conmonPid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    t.is(Number(stat[3]), meta.conmonPid, 'conmon leads its own session');
    t.not(Number(stat[3]), Number((await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ')[3]));
    // A second runtime over the same runc root, as after a restart of skiff.
    const again = realOciRuntime({ runcRoot });
    t.is((await again.state(c.id))?.status, 'running');
    t.true((await again.list()).some((l) => l.id === c.id));
    await again.reopenLog(c.stateDir);
    await again.kill(c.id, 'SIGTERM');
    t.is((await again.waitExit(c.stateDir)).exitCode, 143);
    // Our child: reaped by us once it exits, never a zombie.
    await eventually(async () => {
      const st = await readFile(`/proc/${meta.conmonPid}/status`, 'utf8').catch(() => 'gone');
      if (st !== 'gone') throw new Error(`conmon still there: ${/State:.*/.exec(st)?.[0]}`);
    });
    t.pass();
  });
}
