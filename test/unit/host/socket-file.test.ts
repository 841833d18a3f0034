import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { prepareSocketPath, removeSocketFile } from '../../../src/host/socket-file.js';

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-socket-file-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('creates the missing directory with the mode asked (less the umask)', async (t) => {
  const path = join(await dir(t), 'run', 'x.sock');
  await prepareSocketPath(path, 0o700);
  t.is((await stat(join(path, '..'))).mode & 0o777, 0o700);
});

test('a socket file left there is removed; any other file is refused and kept', async (t) => {
  const d = await dir(t);
  const sock = join(d, 'old.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await prepareSocketPath(sock, 0o700);
  t.false((await readdir(d)).includes('old.sock'));
  const file = join(d, 'file.sock');
  await writeFile(file, 'data');
  await t.throwsAsync(prepareSocketPath(file, 0o700), { message: `${file} exists and is not a socket; refusing to replace it` });
  t.true((await readdir(d)).includes('file.sock'));
  await removeSocketFile(join(d, 'gone.sock'));
});
