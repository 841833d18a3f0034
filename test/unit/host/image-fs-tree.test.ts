import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { diskFileTree as files } from '../../../src/host/image-fs/tree.js';

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-image-fs-tree-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('writeNew creates exclusively: a second write to the same path is EEXIST and keeps the first', async (t) => {
  const d = await dir(t);
  const p = join(d, 'f');
  await files.writeNew(p, Readable.from([Buffer.from('one')]), 0o600);
  await t.throwsAsync(files.writeNew(p, Readable.from([Buffer.from('two')]), 0o600), { code: 'EEXIST' });
  t.is(await readFile(p, 'utf8'), 'one');
});

test('names that are not UTF-8 are written byte for byte; symlink targets are not resolved', async (t) => {
  const d = await dir(t);
  const latin = Buffer.concat([Buffer.from(`${d}/`), Buffer.from([0xe9])]);
  await files.mkdir(latin, 0o755);
  t.true((await lstat(latin)).isDirectory());
  const link = join(d, 'l');
  await files.symlink(Buffer.from('../nowhere'), link);
  t.is(await readlink(link), '../nowhere');
  await files.unlink(link);
  await t.throwsAsync(files.unlink(link), { code: 'ENOENT' });
});

test('link makes a second name of one inode; removeTree removes a tree and succeeds when it is gone', async (t) => {
  const d = await dir(t);
  await files.mkdir(join(d, 'a'), 0o755);
  await files.writeNew(join(d, 'a', 'f'), Readable.from([Buffer.from('x')]), 0o644);
  await files.link(join(d, 'a', 'f'), join(d, 'g'));
  t.is((await lstat(join(d, 'g'))).ino, (await lstat(join(d, 'a', 'f'))).ino);
  await files.removeTree(join(d, 'a'));
  await files.removeTree(join(d, 'a'));
  await t.throwsAsync(lstat(join(d, 'a')), { code: 'ENOENT' });
});
