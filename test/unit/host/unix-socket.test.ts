import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { prepareSocketPath, removeSocketFile } from '../../../src/host/unix-socket.js';

async function dir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-unix-socket-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('creates the missing directory with the mode asked (less the umask)', async (t) => {
  const path = join(await dir(t), 'run', 'x.sock');
  await prepareSocketPath(path, { dirMode: 0o700, existing: 'replace' });
  t.is((await stat(join(path, '..'))).mode & 0o777, 0o700);
});

test('replace: a socket file left there is removed, even one still listened on; any other file is refused and kept', async (t) => {
  const d = await dir(t);
  const sock = join(d, 'old.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await prepareSocketPath(sock, { dirMode: 0o700, existing: 'replace' });
  t.false((await readdir(d)).includes('old.sock'));
  const file = join(d, 'file.sock');
  await writeFile(file, 'data');
  await t.throwsAsync(prepareSocketPath(file, { dirMode: 0o700, existing: 'replace' }), { message: `${file} exists and is not a socket; refusing to replace it` });
  t.true((await readdir(d)).includes('file.sock'));
  await removeSocketFile(join(d, 'gone.sock'));
});

test('refuse-live: a socket someone listens on is refused and kept; one nobody listens on is removed', async (t) => {
  const d = await dir(t);
  const sock = join(d, 'live.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const opts = { dirMode: 0o700, existing: 'refuse-live', who: 'skiff test' } as const;
  await t.throwsAsync(prepareSocketPath(sock, opts), { message: `skiff test: another server already listens on ${sock}` });
  t.true((await readdir(d)).includes('live.sock'));
  const file = join(d, 'file.sock');
  await writeFile(file, 'data');
  await t.throwsAsync(prepareSocketPath(file, opts), { message: `skiff test: ${file} exists and is not a socket; refusing to replace it` });

  // A socket file whose server died without removing it: close() unlinks, so leave one by
  // binding in a child directory and renaming the file out before closing.
  const stale = join(d, 'stale.sock');
  const dead = createServer();
  await new Promise<void>((resolve) => dead.listen(join(d, 'bind.sock'), resolve));
  await rename(join(d, 'bind.sock'), stale);
  await new Promise<void>((resolve) => dead.close(() => resolve()));
  t.true((await readdir(d)).includes('stale.sock'));
  await prepareSocketPath(stale, opts);
  t.false((await readdir(d)).includes('stale.sock'));
});
