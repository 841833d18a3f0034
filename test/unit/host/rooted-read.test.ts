import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { HostError } from '../../../src/host/errors.js';
import { MAX_SYMLINKS, readFileInRoot, resolveInRoot } from '../../../src/host/image-fs/rooted-read.js';

// An image's files read from the host as the container will see them: hostile layouts
// (symlinks out of the rootfs, `..` chains, a FIFO or device where /etc/passwd should be, a
// huge file) must neither leak host data, nor block, nor read without bound.
const CAP = 1 << 20;

/** A rootfs with a real /etc/passwd, and a "host" file next to it that must never be read. */
async function layout(t: { teardown(fn: () => Promise<void>): void }): Promise<{ root: string; host: string }> {
  const base = await mkdtemp(join(tmpdir(), 'skiff-rooted-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'rootfs');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'inside'), { recursive: true });
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(root, 'inside', 'passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
  const host = join(base, 'hostpasswd');
  await writeFile(host, 'hostuser:x:4242:4242::/:/bin/sh\n');
  return { root, host };
}

const read = (root: string, path = '/etc/passwd') => readFileInRoot(root, path, CAP).then((b) => b?.toString());

test('a plain file is read; a missing one, or one under a file, is absent', async (t) => {
  const { root } = await layout(t);
  t.is(await read(root), 'root:x:0:0:root:/root:/bin/sh\n');
  t.is(await read(root, '/etc/group'), undefined);
  t.is(await read(root, '/etc/passwd/x'), undefined);
  t.is(await read(root, '/nodir/passwd'), undefined);
});

test('an absolute symlink out of the rootfs resolves inside it', async (t) => {
  const { root, host } = await layout(t);
  await rm(join(root, 'etc', 'passwd'));
  await symlink(host, join(root, 'etc', 'passwd'));
  t.is(await read(root), undefined, 'the host file is not read');
  // The same target, created inside the rootfs, is what the container sees.
  await mkdir(join(root, host, '..'), { recursive: true });
  await writeFile(join(root, host), 'inroot:x:7:7::/:/bin/sh\n');
  t.is(await read(root), 'inroot:x:7:7::/:/bin/sh\n');
});

test('`..` chains stop at the rootfs, in the path and in link targets', async (t) => {
  const { root, host } = await layout(t);
  const hostName = host.split('/').pop()!;
  t.is(await read(root, `/../../../${hostName}`), undefined);
  t.is(await read(root, '/../../etc/../inside/./passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
  await rm(join(root, 'etc', 'passwd'));
  await symlink(`../../../../../../${hostName}`, join(root, 'etc', 'passwd'));
  t.is(await read(root), undefined);
  await rm(join(root, 'etc', 'passwd'));
  await symlink('../../../../inside/passwd', join(root, 'etc', 'passwd'));
  t.is(await read(root), 'app:x:1000:1000::/home/app:/bin/sh\n');
});

test('a symlinked etc directory (absolute or to /) stays in the rootfs', async (t) => {
  const { root } = await layout(t);
  await rm(join(root, 'etc'), { recursive: true });
  await symlink('/', join(root, 'etc'));
  t.is(await read(root), undefined, 'etc -> / is the rootfs itself, which has no /passwd');
  await writeFile(join(root, 'passwd'), 'top:x:1:1::/:/bin/sh\n');
  t.is(await read(root), 'top:x:1:1::/:/bin/sh\n');
  await rm(join(root, 'etc'));
  await symlink('/inside', join(root, 'etc'));
  t.is(await read(root), 'app:x:1000:1000::/home/app:/bin/sh\n');
  // Climbing to the host's /etc lands on this very link: a loop, as in the kernel under chroot.
  await rm(join(root, 'etc'));
  await symlink('/../../../../../etc', join(root, 'etc'));
  await t.throwsAsync(read(root), { instanceOf: HostError, message: /too many levels/ });
});

test('a FIFO is absent and never opened (the read does not block)', async (t) => {
  const { root } = await layout(t);
  await rm(join(root, 'etc', 'passwd'));
  execFileSync('mkfifo', [join(root, 'etc', 'passwd')]);
  t.is(await read(root), undefined);
  await rm(join(root, 'etc', 'passwd'));
  await symlink('/etc/fifo', join(root, 'etc', 'passwd'));
  execFileSync('mkfifo', [join(root, 'etc', 'fifo')]);
  t.is(await read(root), undefined);
});

test('a character device is absent and never read (/dev/zero, with / as the root)', async (t) => {
  t.is(await readFileInRoot('/', '/dev/zero', CAP), undefined);
  const { root } = await layout(t);
  await rm(join(root, 'etc', 'passwd'));
  await symlink('/dev/zero', join(root, 'etc', 'passwd'));
  t.is(await read(root), undefined, 'the link resolves to <root>/dev/zero, which is not there');
});

test('a directory where the file should be is absent', async (t) => {
  const { root } = await layout(t);
  await mkdir(join(root, 'etc', 'group'));
  t.is(await read(root, '/etc/group'), undefined);
});

test('a file over the cap is EFBIG without reading it; one at the cap is read', async (t) => {
  const { root } = await layout(t);
  await truncate(join(root, 'etc', 'passwd'), 8 * 2 ** 30); // sparse: 8 GiB of nothing
  const err = await t.throwsAsync<HostError>(readFileInRoot(root, '/etc/passwd', CAP), { instanceOf: HostError });
  t.is(err?.code, 'EFBIG');
  await truncate(join(root, 'etc', 'passwd'), CAP);
  t.is((await readFileInRoot(root, '/etc/passwd', CAP))?.length, CAP);
});

test('a symlink loop is ELOOP; a long chain under the limit resolves', async (t) => {
  const { root } = await layout(t);
  await rm(join(root, 'etc', 'passwd'));
  await symlink('passwd', join(root, 'etc', 'passwd'));
  const err = await t.throwsAsync<HostError>(read(root), { instanceOf: HostError });
  t.is(err?.code, 'ELOOP');
  await rm(join(root, 'etc', 'passwd'));
  for (let i = 0; i < MAX_SYMLINKS - 1; i++) await symlink(`l${i + 1}`, join(root, 'etc', `l${i}`));
  await symlink('/inside/passwd', join(root, 'etc', `l${MAX_SYMLINKS - 1}`));
  await symlink('l0', join(root, 'etc', 'passwd'));
  await t.throwsAsync(read(root), { instanceOf: HostError, message: /too many levels/ }, `${MAX_SYMLINKS + 1} links is one too many`);
  await rm(join(root, 'etc', 'passwd'));
  await symlink('l1', join(root, 'etc', 'passwd'));
  t.is(await read(root), 'app:x:1000:1000::/home/app:/bin/sh\n');
});

test('resolveInRoot names the host path inside the root', async (t) => {
  const { root } = await layout(t);
  await symlink('../inside', join(root, 'etc', 'sub'));
  t.is((await resolveInRoot(root, '/etc/sub/passwd'))?.hostPath, join(root, 'inside', 'passwd'));
  t.is((await resolveInRoot(root, '/../..'))?.hostPath, root);
});
