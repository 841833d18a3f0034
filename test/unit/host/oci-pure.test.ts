import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FakeClock } from '../../../src/host/clock.js';
import type { HostError } from '../../../src/host/errors.js';
import { conmonArgs, readExit, waitForExit, writeMeta } from '../../../src/host/oci/conmon.js';
import { FakeOciRuntime } from '../../../src/host/oci/fake.js';
import { classifyRunc, runcMessage, signalArg, validId } from '../../../src/host/oci/runc.js';

// The pure parts of the OCI seam, conmon's on-disk records read from a temp dir, and what
// the fake offers beyond the contract (test controls for the CRI layer's tests).

const base = { id: 'c1', bundle: '/b', logPath: '/l/c1.log', stateDir: '/s', runc: '/usr/bin/runc', runcRoot: '/r' };

test('conmon args: --sync, runc root and JSON logs, k8s-file log, persist dir; stdin and tty flags as CRI-O sets them', (t) => {
  const args = conmonArgs(base);
  t.is(args[0], '--sync');
  t.deepEqual(args.slice(args.indexOf('-l'), args.indexOf('-l') + 2), ['-l', 'k8s-file:/l/c1.log']);
  t.true(args.join(' ').includes('--runtime-arg --root=/r --runtime-arg --log-format=json'));
  t.deepEqual(args.slice(args.indexOf('--persist-dir'), args.indexOf('--persist-dir') + 2), ['--persist-dir', '/s']);
  t.false(args.includes('-i') || args.includes('-t'));
  t.deepEqual(conmonArgs({ ...base, stdin: true }).slice(-2), ['--leave-stdin-open', '-i']);
  t.deepEqual(conmonArgs({ ...base, stdin: true, stdinOnce: true }).slice(-1), ['-i']);
  t.deepEqual(conmonArgs({ ...base, tty: true, stdin: true }).slice(-1), ['-t']);
  t.true(conmonArgs({ ...base, logSizeMax: 1024 }).join(' ').includes('--log-size-max 1024'));
});

test('runc messages: the error text out of JSON log lines, classified', (t) => {
  const stderr = '{"level":"warning","msg":"ignored","time":"x"}\n{"level":"error","msg":"container does not exist","time":"x"}\n';
  t.is(runcMessage(stderr), 'container does not exist');
  t.is(runcMessage('plain text\n'), 'plain text');
  t.is(classifyRunc('container does not exist'), 'ENOENT');
  t.is(classifyRunc('container with id exists: c1'), 'EEXIST');
  t.is(classifyRunc('cannot start an already running container'), 'EINVAL');
  t.is(classifyRunc('unknown signal "NOPE"'), 'EINVAL');
  t.is(classifyRunc('exec: "/x": stat /x: no such file or directory'), 'EIO');
});

test('ids and signals as runc takes them', (t) => {
  t.true(validId('abc-1.2_x+y'));
  for (const bad of ['', 'a/b', '..', 'a b']) t.false(validId(bad), bad);
  t.is(signalArg('term'), 'TERM');
  t.is(signalArg('SIGKILL'), 'SIGKILL');
  t.is(signalArg(9), '9');
  for (const bad of [0, 65, 1.5, 'SIG TERM']) t.is(t.throws<HostError>(() => signalArg(bad))?.code, 'EINVAL');
});

test('readExit: code from the exit file, finish time from its mtime, oomKilled from the oom file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-oci-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.is(await readExit(dir), undefined);
  await writeFile(join(dir, 'exit'), '137');
  const when = new Date('2024-05-01T10:00:00Z');
  await utimes(join(dir, 'exit'), when, when);
  t.deepEqual(await readExit(dir), { exitCode: 137, finishedAt: when, oomKilled: false });
  await writeFile(join(dir, 'oom'), '');
  t.true((await readExit(dir))?.oomKilled);
});

test('waitForExit: woken by the exit file; ESRCH when the monitor is gone without one; abortable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-oci-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // The liveness poll is slow here (60 s), so only inotify can wake it.
  await writeMeta(dir, { id: 'c1', bundle: '/b', logPath: '/l', conmonPid: process.pid });
  const waiting = waitForExit(dir, undefined, 60_000);
  await writeFile(join(dir, 'exit'), '3');
  t.is((await waiting).exitCode, 3);

  const dead = await mkdtemp(join(tmpdir(), 'skiff-oci-unit-'));
  t.teardown(() => rm(dead, { recursive: true, force: true }));
  // pid 1 is never a conmon: the monitor counts as gone.
  await writeMeta(dead, { id: 'c2', bundle: '/b', logPath: '/l', conmonPid: 1 });
  t.is((await t.throwsAsync<HostError>(waitForExit(dead, undefined, 10)))?.code, 'ESRCH');

  const ac = new AbortController();
  const aborted = waitForExit(dead, ac.signal, 60_000);
  ac.abort(new Error('stop'));
  t.is((await t.throwsAsync(aborted))?.message, 'stop');
});

test('fake: a running process exits on request (OOM too); exec answers from the handler', async (t) => {
  const at = new Date('2024-01-01T00:00:00Z');
  const fake = new FakeOciRuntime({ clock: new FakeClock(at.getTime()), exec: (_id, cmd) => ({ stdout: Buffer.from(cmd.join(' ')), exitCode: 2 }) });
  const c = { id: 'c1', bundle: '/b', logPath: '/l', stateDir: '/s' };
  await fake.create(c);
  t.throws(() => fake.exit('c1', 1), { message: /not running/ });
  await fake.start('c1');
  const r = await fake.execSync('c1', ['echo', 'hi']);
  t.deepEqual([r.stdout.toString(), r.exitCode, r.timedOut], ['echo hi', 2, false]);
  const s = await fake.exec('c1', ['x'], { tty: false, stdin: false });
  t.is(await s.exit, 2);
  const waiting = fake.waitExit('/s');
  fake.exit('c1', 137, { oomKilled: true });
  t.deepEqual(await waiting, { exitCode: 137, finishedAt: at, oomKilled: true });
  t.is((await t.throwsAsync<HostError>(fake.execSync('c1', ['x'])))?.code, 'EINVAL');
  await fake.delete('c1');
  await fake.create(c);
  t.is(await fake.exitStatus('/s'), undefined, 'a new create forgets the old record');
});
