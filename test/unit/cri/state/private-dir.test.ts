import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { privateDir } from '../../../../src/cri/state/private-dir.js';

const mode = async (p: string) => (await stat(p)).mode & 0o7777;

test('privateDir creates missing dirs 0700 and tightens an existing one; parents that existed keep their modes', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'skiff-private-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  await chmod(base, 0o755);
  await privateDir(join(base, 'a', 'b'));
  t.is(await mode(join(base, 'a', 'b')), 0o700);
  t.is(await mode(join(base, 'a')), 0o700, 'a parent it made is private too');
  t.is(await mode(base), 0o755);
  await mkdir(join(base, 'old'), { mode: 0o755 });
  await chmod(join(base, 'old'), 0o4777);
  await privateDir(join(base, 'old'));
  t.is(await mode(join(base, 'old')), 0o700);
});
