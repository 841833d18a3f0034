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
