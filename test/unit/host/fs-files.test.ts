// The Files seam: one set of cases on the real filesystem (a temp dir) and on the in-memory
// fake, so code that keeps its PKI or keys through it can be tested on either.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { HostError } from '../../../src/host/errors.js';
import { FakeFiles } from '../../../src/host/fs/fake-files.js';
import { realFiles, type Files } from '../../../src/host/fs/files.js';

interface Subject { files: Files; root: string; mode(path: string): Promise<number | undefined> }

const subjects: Record<string, (t: ExecutionContext) => Promise<Subject>> = {
  real: async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'skiff-files-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));
    return { files: realFiles, root, mode: async (p) => (await stat(p)).mode & 0o777 };
  },
  fake: async () => {
    const files = new FakeFiles();
    await files.makeDir('/data', 0o755);
    return { files, root: '/data', mode: async (p) => files.modeOf(p) };
  },
};

for (const [name, make] of Object.entries(subjects)) {
  test(`${name}: a written file reads back, replaced whole, with the mode it was written with`, async (t) => {
    const { files, root, mode } = await make(t);
    const dir = join(root, 'pki');
    await files.makeDir(dir, 0o700);
    await files.makeDir(dir, 0o700);
    const path = join(dir, 'ca.key');
    t.false(await files.exists(path));
    await files.writeFileAtomic(path, 'one', 0o600);
    await files.writeFileAtomic(path, 'two', 0o600);
    t.true(await files.exists(path));
    t.is(await files.readText(path), 'two');
    t.is(files.readTextSync(path), 'two');
    t.is(await mode(path), 0o600);
    t.is(await mode(dir), 0o700);
    t.false(await files.exists(`${path}.tmp`), 'no temp file left');
  });

  test(`${name}: missing files and directories are HostError ENOENT; a file is no directory`, async (t) => {
    const { files, root } = await make(t);
    const missing = join(root, 'nope', 'x');
    await t.throwsAsync(files.readText(missing), { instanceOf: HostError, code: 'ENOENT' });
    t.throws(() => files.readTextSync(missing), { instanceOf: HostError, code: 'ENOENT' });
    await t.throwsAsync(files.writeFileAtomic(missing, 'x', 0o600), { instanceOf: HostError, code: 'ENOENT' });
    t.false(await files.exists(`${missing}.tmp`));
    const file = join(root, 'f');
    await files.writeFileAtomic(file, 'x', 0o644);
    await t.throwsAsync(files.makeDir(join(file, 'sub'), 0o700), { instanceOf: HostError, code: 'ENOTDIR' });
    await t.throwsAsync(files.readText(root), { instanceOf: HostError, code: 'EISDIR' });
  });
}
