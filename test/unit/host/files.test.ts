import test from 'ava';
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../../../src/host/errors.js';
import { RealFiles } from '../../../src/host/files/real.js';

// The Files seam on the real disk (a temp dir): what it promises callers about modes,
// idempotent removal and the HostError codes they classify failures by.

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-files-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const files = new RealFiles();

test('mkdir: recursive tolerates an existing directory; otherwise an existing path is EEXIST', async (t) => {
  const d = await dir(t);
  await files.mkdir(join(d, 'a', 'b'), { recursive: true, mode: 0o700 });
  await files.mkdir(join(d, 'a', 'b'), { recursive: true });
  const err = await t.throwsAsync(files.mkdir(join(d, 'a')), { instanceOf: HostError });
  t.is((err as HostError).code, 'EEXIST');
  t.is((err as HostError).syscall, 'mkdir');
});

test('write, copy, chmod, rename and readText; chmod sets the bits exactly', async (t) => {
  const d = await dir(t);
  await files.write(join(d, 'f'), 'one\n', { mode: 0o600 });
  await files.copy(join(d, 'f'), join(d, 'g'));
  await files.chmod(join(d, 'g'), 0o4755);
  t.is((await stat(join(d, 'g'))).mode & 0o7777, 0o4755);
  await files.rename(join(d, 'g'), join(d, 'h'));
  t.is(await files.readText(join(d, 'h')), 'one\n');
  t.false(files.existsSync(join(d, 'g')));
  t.true(files.existsSync(join(d, 'h')));
  await files.write(join(d, 'h'), new Uint8Array([0x32, 0x0a]));
  t.is(await readFile(join(d, 'h'), 'utf8'), '2\n');
});

test('readText and copy of a missing file are ENOENT HostErrors', async (t) => {
  const d = await dir(t);
  const read = await t.throwsAsync(files.readText(join(d, 'none')), { instanceOf: HostError });
  t.is((read as HostError).code, 'ENOENT');
  const copy = await t.throwsAsync(files.copy(join(d, 'none'), join(d, 'x')), { instanceOf: HostError });
  t.is((copy as HostError).code, 'ENOENT');
});

test('remove takes a whole tree and succeeds when nothing is there', async (t) => {
  const d = await dir(t);
  await files.mkdir(join(d, 't', 'u'), { recursive: true });
  await files.write(join(d, 't', 'u', 'f'), 'x');
  await files.remove(join(d, 't'));
  t.false(files.existsSync(join(d, 't')));
  await t.notThrowsAsync(files.remove(join(d, 't')));
});

test('stat: kinds, following symlinks; undefined when nothing is there or a parent is a file', async (t) => {
  const d = await dir(t);
  await files.write(join(d, 'f'), 'x', { mode: 0o640 });
  await symlink(join(d, 'f'), join(d, 'l'));
  t.like(await files.stat(join(d, 'f')), { kind: 'file' });
  t.like(await files.stat(join(d, 'l')), { kind: 'file' });
  t.like(await files.stat(d), { kind: 'dir' });
  const nul = await files.stat('/dev/null');
  t.is(nul?.kind, 'char');
  t.is(nul?.rdev, (1 << 8) | 3);
  t.is(await files.stat(join(d, 'none')), undefined);
  t.is(await files.stat(join(d, 'f', 'below')), undefined);
});
