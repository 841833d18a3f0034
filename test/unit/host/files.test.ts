import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../../../src/host/errors.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { RealFiles } from '../../../src/host/files/real.js';
import type { Files } from '../../../src/host/files/types.js';

// The Files seam: one set of cases on the real disk (a temp dir) and on the fake, so the fake
// keeps the promises callers rely on (modes, idempotent removal, the HostError codes).

type Env = { files: Files; dir: string };

const envs: Record<'real' | 'fake', (t: ExecutionContext) => Promise<Env>> = {
  async real(t) {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return { files: new RealFiles(), dir };
  },
  async fake() {
    const files = new FakeFiles();
    await files.mkdir('/tmp/skiff-files-fake', { recursive: true });
    return { files, dir: '/tmp/skiff-files-fake' };
  },
};

function both(title: string, fn: (t: ExecutionContext, env: Env) => Promise<void>): void {
  for (const [name, make] of Object.entries(envs)) test(`${name}: ${title}`, async (t) => fn(t, await make(t)));
}

async function code(t: ExecutionContext, p: Promise<unknown>): Promise<string> {
  const err = await t.throwsAsync(p, { instanceOf: HostError });
  return (err as HostError).code;
}

both('mkdir: recursive tolerates an existing directory; otherwise an existing path is EEXIST, a missing parent ENOENT', async (t, { files, dir }) => {
  await files.mkdir(join(dir, 'a', 'b'), { recursive: true, mode: 0o700 });
  t.is((await files.stat(join(dir, 'a', 'b')))?.mode, 0o700);
  await files.mkdir(join(dir, 'a', 'b'), { recursive: true });
  t.is(await code(t, files.mkdir(join(dir, 'a'))), 'EEXIST');
  t.is(await code(t, files.mkdir(join(dir, 'x', 'y'))), 'ENOENT');
  await files.write(join(dir, 'f'), 'x');
  t.is(await code(t, files.mkdir(join(dir, 'f', 'y'))), 'ENOTDIR');
});

both('write, copy, chmod, rename and readText; chmod sets the bits exactly', async (t, { files, dir }) => {
  await files.write(join(dir, 'f'), 'one\n', { mode: 0o600 });
  t.is((await files.stat(join(dir, 'f')))?.mode, 0o600);
  await files.copy(join(dir, 'f'), join(dir, 'g'));
  await files.chmod(join(dir, 'g'), 0o4755);
  t.is((await files.stat(join(dir, 'g')))?.mode, 0o4755);
  await files.rename(join(dir, 'g'), join(dir, 'h'));
  t.is(await files.readText(join(dir, 'h')), 'one\n');
  t.false(files.existsSync(join(dir, 'g')));
  t.true(files.existsSync(join(dir, 'h')));
  await files.write(join(dir, 'h'), new Uint8Array([0x32, 0x0a]));
  t.is(await files.readText(join(dir, 'h')), '2\n');
  t.is((await files.stat(join(dir, 'h')))?.mode, 0o4755, 'rewriting keeps the mode');
});

both('missing files are ENOENT; a directory read or written as a file is EISDIR', async (t, { files, dir }) => {
  t.is(await code(t, files.readText(join(dir, 'none'))), 'ENOENT');
  t.is(await code(t, files.copy(join(dir, 'none'), join(dir, 'x'))), 'ENOENT');
  t.is(await code(t, files.chmod(join(dir, 'none'), 0o600)), 'ENOENT');
  t.is(await code(t, files.rename(join(dir, 'none'), join(dir, 'x'))), 'ENOENT');
  t.is(await code(t, files.write(join(dir, 'no', 'f'), 'x')), 'ENOENT');
  t.is(await code(t, files.readText(dir)), 'EISDIR');
  t.is(await code(t, files.write(dir, 'x')), 'EISDIR');
});

both('remove takes a whole tree and succeeds when nothing is there; a renamed directory takes its tree along', async (t, { files, dir }) => {
  await files.mkdir(join(dir, 't', 'u'), { recursive: true });
  await files.write(join(dir, 't', 'u', 'f'), 'x');
  await files.rename(join(dir, 't'), join(dir, 's'));
  t.is(await files.readText(join(dir, 's', 'u', 'f')), 'x');
  await files.remove(join(dir, 's'));
  t.false(files.existsSync(join(dir, 's')));
  t.false(files.existsSync(join(dir, 's', 'u', 'f')));
  await t.notThrowsAsync(files.remove(join(dir, 's')));
});

both('stat: undefined when nothing is there or a parent is a file', async (t, { files, dir }) => {
  await files.write(join(dir, 'f'), 'x');
  t.like(await files.stat(join(dir, 'f')), { kind: 'file' });
  t.like(await files.stat(dir), { kind: 'dir' });
  t.is(await files.stat(join(dir, 'none')), undefined);
  t.is(await files.stat(join(dir, 'f', 'below')), undefined);
});

test('real: stat follows symlinks and reports device numbers', async (t) => {
  const { files, dir } = await envs.real(t);
  await files.write(join(dir, 'f'), 'x');
  await symlink(join(dir, 'f'), join(dir, 'l'));
  t.like(await files.stat(join(dir, 'l')), { kind: 'file' });
  const nul = await files.stat('/dev/null');
  t.is(nul?.kind, 'char');
  t.is(nul?.rdev, (1 << 8) | 3);
});

both('list names a directory\'s entries; ENOENT when absent, ENOTDIR for a file', async (t, { files, dir }) => {
  await files.write(join(dir, 'a.conflist'), '{}');
  await files.mkdir(join(dir, 'sub'));
  t.deepEqual((await files.list(dir)).sort(), ['a.conflist', 'sub']);
  t.deepEqual(await files.list(join(dir, 'sub')), []);
  t.is(await code(t, files.list(join(dir, 'none'))), 'ENOENT');
  t.is(await code(t, files.list(join(dir, 'a.conflist'))), 'ENOTDIR');
});

both('executable: an x bit on something there; never an error', async (t, { files, dir }) => {
  await files.write(join(dir, 'plugin'), '#!/bin/sh\n', { mode: 0o755 });
  await files.write(join(dir, 'conf'), '{}', { mode: 0o644 });
  t.true(await files.executable(join(dir, 'plugin')));
  t.false(await files.executable(join(dir, 'conf')));
  t.false(await files.executable(join(dir, 'none')));
});

both('a watch wakes on a write in the directory; watching a missing directory is ENOENT', async (t, { files, dir }) => {
  await files.mkdir(join(dir, 'conf'));
  let woken!: () => void;
  const wake = new Promise<void>((resolve) => { woken = resolve; });
  const w = files.watch(join(dir, 'conf'), () => woken(), (err) => t.fail(err.message));
  t.teardown(() => w.close());
  await files.write(join(dir, 'conf', '10.conflist'), '{}');
  await wake;
  t.is(t.throws<HostError>(() => files.watch(join(dir, 'none'), () => {}, () => {}))?.code, 'ENOENT');
});

// The cases below came with the PKI/kubeconfig callers (they used a second Files seam before).
both('writeAtomic: a written file reads back, replaced whole, with the mode it was written with', async (t, { files, dir: root }) => {
  const dir = join(root, 'pki');
  await files.mkdir(dir, { recursive: true, mode: 0o700 });
  await files.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'ca.key');
  t.is(await files.stat(path), undefined);
  await files.writeAtomic(path, 'one', { mode: 0o600 });
  await files.writeAtomic(path, 'two', { mode: 0o600 });
  t.like(await files.stat(path), { kind: 'file', mode: 0o600 });
  t.is(await files.readText(path), 'two');
  t.is(files.readTextSync(path), 'two');
  t.is((await files.stat(dir))?.mode, 0o700);
  t.deepEqual(await files.list(dir), ['ca.key'], 'no temp file left');
});

both('writeAtomic gives the file its own mode, also over an existing one', async (t, { files, dir }) => {
  const path = join(dir, 'sa.pub');
  await files.write(path, 'old', { mode: 0o600 });
  await files.writeAtomic(path, new Uint8Array([0x6e, 0x65, 0x77]), { mode: 0o644 });
  t.like(await files.stat(path), { mode: 0o644 });
  t.is(await files.readText(path), 'new');
});

both('readTextSync and writeAtomic: missing is ENOENT, a directory EISDIR, and no temp file is left', async (t, { files, dir }) => {
  const missing = join(dir, 'nope', 'x');
  t.is(t.throws<HostError>(() => files.readTextSync(missing), { instanceOf: HostError })?.code, 'ENOENT');
  t.is(await code(t, files.writeAtomic(missing, 'x', { mode: 0o600 })), 'ENOENT');
  await files.mkdir(join(dir, 'taken'));
  await files.write(join(dir, 'taken', 'child'), 'x');
  t.is(await code(t, files.writeAtomic(join(dir, 'taken'), 'x')), 'EISDIR');
  t.is(t.throws<HostError>(() => files.readTextSync(dir), { instanceOf: HostError })?.code, 'EISDIR');
  const file = join(dir, 'f');
  await files.writeAtomic(file, 'x', { mode: 0o644 });
  t.is(await code(t, files.mkdir(join(file, 'sub'), { recursive: true, mode: 0o700 })), 'ENOTDIR');
  t.deepEqual((await files.list(dir)).sort(), ['f', 'taken']);
});

both('symlinks: lstat sees the link, stat and reads follow it, readlink gives the target, realpath resolves a chain', async (t, { files, dir }) => {
  await files.mkdir(join(dir, '..2026_01_01'), { recursive: true });
  await files.write(join(dir, '..2026_01_01', 'key'), 'v1');
  await files.symlink('..2026_01_01', join(dir, '..data'));
  await files.symlink('..data/key', join(dir, 'key'));
  t.like(await files.lstat(join(dir, 'key')), { kind: 'symlink' });
  t.like(await files.stat(join(dir, 'key')), { kind: 'file' });
  t.is(await files.readText(join(dir, 'key')), 'v1');
  t.is(await files.readlink(join(dir, '..data')), '..2026_01_01');
  t.is(await files.realpath(join(dir, 'key')), join(await files.realpath(dir), '..2026_01_01', 'key'));
  t.is(await code(t, files.symlink('x', join(dir, 'key'))), 'EEXIST');
  t.is(await code(t, files.readlink(join(dir, '..2026_01_01'))), 'EINVAL');
  t.is(await code(t, files.readlink(join(dir, 'none'))), 'ENOENT');
});

both('symlinks: a rename over a link swaps it whole; a dangling link is absent to stat and realpath; remove takes the link, not its target', async (t, { files, dir }) => {
  await files.mkdir(join(dir, 'a'));
  await files.mkdir(join(dir, 'b'));
  await files.write(join(dir, 'b', 'f'), 'b');
  await files.symlink('a', join(dir, 'cur'));
  await files.symlink('b', join(dir, 'cur_tmp'));
  await files.rename(join(dir, 'cur_tmp'), join(dir, 'cur'));
  t.is(await files.readlink(join(dir, 'cur')), 'b');
  t.is(await files.readText(join(dir, 'cur', 'f')), 'b');
  t.deepEqual((await files.list(dir)).sort(), ['a', 'b', 'cur']);
  await files.symlink('gone', join(dir, 'dangling'));
  t.is(await files.stat(join(dir, 'dangling')), undefined);
  t.like(await files.lstat(join(dir, 'dangling')), { kind: 'symlink' });
  t.is(await code(t, files.realpath(join(dir, 'dangling'))), 'ENOENT');
  await files.remove(join(dir, 'cur'));
  t.is(await files.lstat(join(dir, 'cur')), undefined);
  t.is(await files.readText(join(dir, 'b', 'f')), 'b');
});

both('lchown changes the group of a file and keeps the owner with -1', async (t, { files, dir }) => {
  await files.write(join(dir, 'f'), 'x');
  const before = await files.stat(join(dir, 'f'));
  await files.lchown(join(dir, 'f'), -1, before!.gid);
  t.like(await files.stat(join(dir, 'f')), { uid: before!.uid, gid: before!.gid });
  t.is(await code(t, files.lchown(join(dir, 'none'), -1, 0)), 'ENOENT');
});

both('a symlink loop is ELOOP to realpath and stat, and not there to existsSync', async (t, { files, dir }) => {
  await files.symlink('l2', join(dir, 'l1'));
  await files.symlink('l1', join(dir, 'l2'));
  t.is(await code(t, files.realpath(join(dir, 'l1'))), 'ELOOP');
  t.is(await code(t, files.stat(join(dir, 'l1'))), 'ELOOP');
  t.false(files.existsSync(join(dir, 'l1')));
});
