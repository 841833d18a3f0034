import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Test images built from busybox-static with umoci (a real OCI image layout, real layers
// with whiteouts), pushed with skopeo to a registry on 127.0.0.1. The layers:
//   1  busybox + relative symlinks, /etc/passwd and /etc/group with a non-root user,
//      /etc/motd, /data/old/{a,b}, /tmp (1777)
//   2  /home/app (owned by 1000), /www/index.html, a hard link, and /data/old replaced by
//      a fresh one holding only 'c' (umoci writes whiteouts for a and b)
//   3  /etc/motd deleted (a whiteout)
// Tags: 'busybox' (cmd sh) and 'httpd' (user 1000, `httpd -f -p 8080 -h /www`).

const run = promisify(execFile);
const APPLETS = ['sh', 'sleep', 'httpd', 'nc', 'echo', 'cat', 'ls', 'id', 'env', 'true', 'false', 'hostname', 'wget', 'mkdir', 'touch', 'rm', 'stat', 'ps'];

export interface TestImages {
  /** OCI layout directory. */
  layout: string;
  tags: readonly string[];
}

export async function buildTestImages(dir: string): Promise<TestImages> {
  const layout = join(dir, 'layout');
  const umoci = (...args: string[]) => run('umoci', args);
  // repack diffs against what the bundle was unpacked from: a fresh bundle per layer.
  let bundle = '';
  let root = '';
  const unpack = async (from: string) => {
    bundle = join(dir, `bundle-${from}`);
    root = join(bundle, 'rootfs');
    await umoci('unpack', '--image', `${layout}:${from}`, bundle);
  };
  await umoci('init', '--layout', layout);
  await umoci('new', '--image', `${layout}:empty`);
  await unpack('empty');

  await Promise.all(['bin', 'etc', 'tmp', 'data/old'].map((d) => mkdir(join(root, d), { recursive: true })));
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  await Promise.all(APPLETS.map((a) => symlink('busybox', join(root, 'bin', a))));
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n');
  await writeFile(join(root, 'etc/motd'), 'layer one\n');
  await writeFile(join(root, 'data/old/a'), 'a');
  await writeFile(join(root, 'data/old/b'), 'b');
  await chmod(join(root, 'tmp'), 0o1777);
  await umoci('repack', '--image', `${layout}:l1`, bundle);

  await unpack('l1');
  await mkdir(join(root, 'home/app'), { recursive: true });
  await chown(join(root, 'home/app'), 1000, 1000);
  await mkdir(join(root, 'www'));
  await writeFile(join(root, 'www/index.html'), 'hello from skiff\n');
  await run('ln', [join(root, 'www/index.html'), join(root, 'www/same.html')]);
  await rm(join(root, 'data/old'), { recursive: true });
  await mkdir(join(root, 'data/old'));
  await writeFile(join(root, 'data/old/c'), 'c');
  await umoci('repack', '--image', `${layout}:l2`, bundle);

  await unpack('l2');
  await rm(join(root, 'etc/motd'));
  await umoci('repack', '--image', `${layout}:l3`, bundle);

  const env = ['--config.env', 'PATH=/bin'];
  await umoci('config', '--image', `${layout}:l3`, '--tag', 'busybox', ...env, '--config.cmd', '/bin/sh', '--config.workingdir', '/');
  await umoci('config', '--image', `${layout}:l3`, '--tag', 'httpd', ...env, '--config.user', '1000:1000', '--config.exposedports', '8080/tcp',
    '--config.entrypoint', '/bin/httpd', '--config.cmd', '-f', '--config.cmd', '-p', '--config.cmd', '8080', '--config.cmd', '-h', '--config.cmd', '/www');
  for (const tag of ['empty', 'l1', 'l2', 'l3']) await umoci('rm', '--image', `${layout}:${tag}`);
  await run('umoci', ['gc', '--layout', layout]);
  return { layout, tags: ['busybox', 'httpd'] };
}

/** Copies a tag of the layout to the registry as repo:tag (plain HTTP, as for 127.0.0.1). */
export async function push(images: TestImages, tag: string, registry: string, repo: string, format: 'oci' | 'v2s2' = 'oci', creds?: { username: string; password: string }): Promise<string> {
  const ref = `${registry}/${repo}:${tag}`;
  const auth = creds ? ['--dest-creds', `${creds.username}:${creds.password}`] : [];
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...auth, '--format', format, `oci:${images.layout}:${tag}`, `docker://${ref}`]);
  return ref;
}

/**
 * Tags `tag` as a copy of `from` with one more layer written by `umoci insert`: the file
 * `target` holding `content`. Debian's umoci 0.4.7 ends that layer right after the file's
 * data (no padding, no end-of-archive blocks), as images built this way in the wild do;
 * keep `content` off a multiple of 512 bytes to get the cut.
 */
export async function insertFile(images: TestImages, from: string, tag: string, target: string, content: string): Promise<void> {
  const file = join(images.layout, '..', `insert-${tag}`);
  await writeFile(file, content);
  await run('umoci', ['config', '--image', `${images.layout}:${from}`, '--tag', tag, '--config.label', `skiff.test/copy=${tag}`]);
  await run('umoci', ['insert', '--image', `${images.layout}:${tag}`, file, target]);
  await rm(file);
}
