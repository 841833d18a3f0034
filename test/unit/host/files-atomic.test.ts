import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { writeFileAtomic, writeJsonAtomic } from '../../../src/host/files/atomic.js';

// The one atomic write on the real disk; Files.writeAtomic's cases (real and fake) are in
// files.test.ts. These are the callers' own promises: the image and snapshot records.

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('writes a new file 0600 and replaces an existing one whole', async (t) => {
  const d = await dir(t);
  const path = join(d, 'state.json');
  await writeJsonAtomic(path, { a: 1 });
  t.is((await stat(path)).mode & 0o777, 0o600);
  await writeJsonAtomic(path, { b: [2] });
  t.deepEqual(JSON.parse(await readFile(path, 'utf8')), { b: [2] });
  t.deepEqual(await readdir(d), ['state.json']);
});

test('a write that cannot land rejects and leaves no temp file behind', async (t) => {
  const d = await dir(t);
  await mkdir(join(d, 'taken'));
  await mkdir(join(d, 'taken', 'child'));
  await t.throwsAsync(writeJsonAtomic(join(d, 'taken'), {}), { code: 'EISDIR' });
  await t.throwsAsync(writeJsonAtomic(join(d, 'x.json'), { big: 1n }), { instanceOf: TypeError });
  t.deepEqual((await readdir(d)).sort(), ['taken']);
});

test('concurrent writers of one file each use their own temp file: one whole content wins', async (t) => {
  const d = await dir(t);
  const path = join(d, 'images.json');
  const contents = Array.from({ length: 8 }, (_, i) => String(i).repeat(1000));
  await Promise.all(contents.map((c) => writeFileAtomic(path, c, 0o600)));
  t.true(contents.includes(await readFile(path, 'utf8')));
  t.deepEqual(await readdir(d), ['images.json']);
});
