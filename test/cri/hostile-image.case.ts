import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import type { CriError } from '../../src/cri/errors.js';
import { uniq } from '../helpers/names.js';
import type { CriFixture } from './fixtures.js';
import { createContainer, runPod, type RegisterCases } from './suite.js';

// Images built to attack the node, not to run: what the runtime reads from an image on the
// host side (its /etc/passwd and /etc/group, to resolve users) must be read as the container
// would see it, never through a symlink out of the rootfs, never from a FIFO or a device
// (a FIFO or device inside the image itself is covered by test/unit/host-rooted-read.test.ts:
// runc, reading the same files inside the container, fails or blocks on those by itself).
const run = promisify(execFile);

/**
 * A one-layer image whose rootfs `populate` fills, pushed to the fixture's registry with
 * config.user `user`; the ref is removed from the runtime at teardown.
 */
async function hostileImage(t: ExecutionContext, fx: CriFixture, dir: string, tag: string, user: string, populate: (root: string) => Promise<void>): Promise<string> {
  const layout = join(dir, `layout-${tag}`);
  const bundle = join(dir, `bundle-${tag}`);
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:base`]);
  await run('umoci', ['unpack', '--image', `${layout}:base`, bundle]);
  await populate(join(bundle, 'rootfs'));
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
  await run('umoci', ['config', '--image', `${layout}:${tag}`, '--config.user', user, '--config.cmd', '/bin/sh']);
  const ref = `${fx.registry}/skiff-test/${uniq('hostile')}:${tag}`;
  const pushed = await fx.inNode(['skopeo', 'copy', '--quiet', '--dest-tls-verify=false', '--format', 'oci', `oci:${layout}:${tag}`, `docker://${ref}`], 60_000);
  if (pushed.code !== 0) throw new Error(`skopeo copy: ${pushed.stderr}`);
  t.teardown(() => fx.cri.image.removeImage({ image: { image: ref } }).then(() => undefined, () => undefined));
  return ref;
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-hostile-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const hostileImageCases: RegisterCases = (test, fx) => {
  test('an image\'s /etc/passwd symlinked to a host file, or its /etc to a host dir, does not resolve users from the host', async (t) => {
    const dir = await tempDir(t);
    // What the attacker hopes the runtime reads: a user the image names, found only on the host.
    const hostEtc = join(dir, 'host-etc');
    await mkdir(hostEtc);
    await writeFile(join(hostEtc, 'passwd'), 'hostuser:x:4242:4242::/:/bin/sh\n');
    await writeFile(join(hostEtc, 'group'), 'hostgroup:x:4343:hostuser\n');
    const fileLink = await hostileImage(t, fx(), dir, 'passwd-link', 'hostuser', async (root) => {
      await mkdir(join(root, 'etc'));
      await symlink(join(hostEtc, 'passwd'), join(root, 'etc', 'passwd'));
      await symlink(join(hostEtc, 'group'), join(root, 'etc', 'group'));
    });
    const dirLink = await hostileImage(t, fx(), dir, 'etc-link', 'hostuser', (root) => symlink(hostEtc, join(root, 'etc')));
    const pod = await runPod(t, fx());
    for (const image of [fileLink, dirLink]) {
      const err = await t.throwsAsync<CriError>(createContainer(t, fx(), pod, { image: { image }, command: ['/bin/sh'] }), undefined, image);
      t.log(`${fx().name} ${image.split(':').pop()}: ${err?.kind}: ${err?.message}`);
      t.regex(err?.message ?? '', /hostuser|passwd|no users/i, 'refused for want of the user in the image');
    }
    t.deepEqual((await fx().cri.runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers, []);
  });

  test('an image\'s /etc/passwd and /etc/group symlinked to FIFOs on the host do not block CreateContainer', async (t) => {
    // Read on the host through the links, each would block a thread pool thread until a writer
    // came; four at once froze every file operation of the runtime. Inside the rootfs the
    // targets do not exist, so the container (and runc, which reads them there) sees no files.
    const dir = await tempDir(t);
    const fifos = join(dir, 'fifos');
    await mkdir(fifos);
    await run('mkfifo', [join(fifos, 'passwd'), join(fifos, 'group')]);
    const ref = await hostileImage(t, fx(), dir, 'fifo-link', '0:0', async (root) => {
      await mkdir(join(root, 'etc'));
      await mkdir(join(root, 'bin'));
      await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
      await symlink('busybox', join(root, 'bin', 'sh'));
      await symlink(join(fifos, 'passwd'), join(root, 'etc', 'passwd'));
      await symlink(join(fifos, 'group'), join(root, 'etc', 'group'));
    });
    const pod = await runPod(t, fx());
    const ids = await Promise.all([0, 1, 2, 3].map(() => createContainer(t, fx(), pod, { image: { image: ref }, command: ['/bin/sh', '-c', 'sleep 3600'] })));
    for (const id of ids) t.is((await fx().cri.runtime.containerStatus({ containerId: id })).status?.state, 'CONTAINER_CREATED');
  });
};
