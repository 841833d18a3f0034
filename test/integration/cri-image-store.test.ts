import { chmod, lstat, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { DigestMismatch } from '../../src/cri/images/content.js';
import { ImageStore } from '../../src/cri/images/store.js';
import { RealMounter } from '../../src/host/mount/real.js';
import { tempDir } from '../helpers/cni.js';
import { buildTestImages, insertFile, push } from '../helpers/images.js';
import { isRoot, uniq } from '../helpers/names.js';
import { startRegistry } from '../helpers/registry.js';
import { rootOnly } from '../helpers/root.js';

// The image store against a real registry, the real addon (mknod, xattrs, chown) and real
// overlay mounts. Layers of the test images (test/helpers/images.ts): 1 busybox + /etc,
// 2 /home/app, /www (hard link), /data/old replaced; 3 /etc/motd whited out.
const rt = rootOnly(test);
const mounter = new RealMounter();
const run = promisify(execFile);

async function setup(t: ExecutionContext, opts: { fetch?: typeof fetch } = {}) {
  const [dir, root, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
  const images = await buildTestImages(dir);
  const repo = `skiff-test/${uniq()}`;
  const busybox = await push(images, 'busybox', registry.host, repo);
  const httpd = await push(images, 'httpd', registry.host, repo, 'v2s2');
  const store = await ImageStore.open(root, opts);
  return { root, store, busybox, httpd, registry, repo };
}

/** A rootfs key that is unmounted and removed when the test ends, even on failure. */
function rootfsKey(t: ExecutionContext, store: ImageStore): string {
  const key = uniq('ctr');
  t.teardown(() => store.removeRootfs(key, mounter));
  return key;
}

if (isRoot) {
  rt('a pull unpacks every layer verified: modes, owners, hard links, whiteouts as char 0:0', async (t) => {
    const { root, store, busybox } = await setup(t);
    const rec = await store.pull(busybox);
    t.deepEqual(rec.repoTags, [busybox]);
    t.is(rec.diffIds.length, 3);
    t.is(rec.chainIds[0], rec.diffIds[0]);
    const [l1, l2, l3] = rec.diffIds.map((d) => join(root, 'layers', d.slice('sha256:'.length)));
    t.is((await stat(join(l1!, 'tmp'))).mode & 0o7777, 0o1777);
    t.is((await stat(join(l1!, 'bin/busybox'))).mode & 0o777, 0o755);
    t.is(await readFile(join(l1!, 'etc/motd'), 'utf8'), 'layer one\n');
    t.is((await stat(join(l2!, 'home/app'))).uid, 1000);
    t.is((await stat(join(l2!, 'www/same.html'))).ino, (await stat(join(l2!, 'www/index.html'))).ino);
    const motd = await lstat(join(l3!, 'etc/motd'));
    t.true(motd.isCharacterDevice(), 'the deleted /etc/motd is an overlay whiteout');
    t.is(motd.rdev, 0);
    t.deepEqual(await readdir(join(root, 'layers')).then((n) => n.sort()), rec.diffIds.map((d) => d.slice(7)).sort(), 'no temp dirs left');
  });

  rt('a layer written by umoci 0.4.7 insert (ends right after its data) pulls and unpacks', async (t) => {
    const [dir, root, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
    const images = await buildTestImages(dir);
    await insertFile(images, 'busybox', 'inserted', '/etc/inserted', 'inserted by umoci\n');
    const ref = await push(images, 'inserted', registry.host, `skiff-test/${uniq()}`);
    const store = await ImageStore.open(root);
    const rec = await store.pull(ref);
    t.is(rec.diffIds.length, 4);
    const top = join(root, 'layers', rec.diffIds[3]!.slice('sha256:'.length));
    t.is(await readFile(join(top, 'etc/inserted'), 'utf8'), 'inserted by umoci\n');
  });

  rt('prepareRootfs shows the merged view (whiteout applied), writes go to its own upper; idempotent; removal cleans up', async (t) => {
    const { root, store, busybox } = await setup(t);
    const rec = await store.pull(busybox);
    const key = rootfsKey(t, store);
    const rootfs = await store.prepareRootfs(key, rec.id, mounter);
    t.is(await store.prepareRootfs(key, rec.id, mounter), rootfs, 'same key, same rootfs');
    t.is((await mounter.list(rootfs)).filter((m) => m.target === rootfs).length, 1, 'mounted once');
    t.true((await stat(join(rootfs, 'bin/busybox'))).isFile());
    await t.throwsAsync(stat(join(rootfs, 'etc/motd')), { code: 'ENOENT' });
    t.deepEqual(await readdir(join(rootfs, 'data/old')), ['c'], 'a and b of layer 1 are gone');
    t.is(await readFile(join(rootfs, 'www/index.html'), 'utf8'), 'hello from skiff\n');
    await writeFile(join(rootfs, 'etc/motd'), 'mine');
    t.is(await readFile(join(root, 'rootfs', key, 'upper/etc/motd'), 'utf8'), 'mine');
    await t.throwsAsync(store.prepareRootfs(key, 'sha256:' + '0'.repeat(64), mounter), { message: /not found/ });
    await t.throwsAsync(store.prepareRootfs('../x', rec.id, mounter), { message: /rootfs key/ });

    // The image goes, the rootfs keeps its layers; the rootfs goes, so do they.
    await store.remove(rec.id);
    t.is(store.get(busybox), undefined);
    t.is(await readFile(join(rootfs, 'www/index.html'), 'utf8'), 'hello from skiff\n');
    t.is((await readdir(join(root, 'layers'))).length, 3);
    await store.removeRootfs(key, mounter);
    await store.removeRootfs(key, mounter);
    t.deepEqual(await mounter.list(join(root, 'rootfs')), []);
    t.deepEqual(await readdir(join(root, 'layers')), []);
    t.deepEqual(await readdir(join(root, 'rootfs')), []);
  });

  rt('tags, digests and ids resolve; re-tagging, shared layers, removal and reopening', async (t) => {
    const { root, store, busybox, httpd } = await setup(t);
    const [a, b] = await Promise.all([store.pull(busybox), store.pull(busybox)]);
    t.is(a.id, b.id, 'concurrent pulls of one ref share the work');
    const h = await store.pull(httpd);
    t.not(h.id, a.id);
    t.deepEqual(h.diffIds, a.diffIds, 'same layers, different config');
    t.is(h.uid, 1000);
    t.is(h.username, '');
    t.is(store.get(a.id)?.id, a.id);
    t.is(store.get(a.id.slice(7, 19))?.id, a.id, 'unique id prefix');
    t.is(store.get(a.repoDigests[0]!)?.id, a.id);
    t.is(store.list().length, 2);
    t.deepEqual(store.list(httpd).map((i) => i.id), [h.id]);

    // The busybox tag now names the httpd image: the tag moves, and the old image keeps
    // its repo digest and stays listed without tags (containerd does the same).
    await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${httpd}`, `docker://${busybox}`]);
    const moved = await store.pull(busybox);
    t.is(moved.id, h.id);
    t.deepEqual(store.get(h.id)?.repoTags.sort(), [busybox, httpd].sort());
    t.deepEqual(store.get(a.id)?.repoTags, []);
    t.deepEqual(store.get(a.id)?.repoDigests, a.repoDigests);
    await store.remove(a.id);
    t.is(store.list().length, 1);
    t.is((await readdir(join(root, 'layers'))).length, 3, 'layers still used by httpd stay');

    const reopened = await ImageStore.open(root);
    t.deepEqual(reopened.list().map((i) => i.id).sort(), store.list().map((i) => i.id).sort());
    t.is(reopened.get(busybox)?.id, h.id);
    for (const i of reopened.list()) await reopened.remove(i.id);
    t.deepEqual(await readdir(join(root, 'layers')), []);
    t.deepEqual(await readdir(join(root, 'content/blobs/sha256')), []);
    const again = await reopened.pull(busybox);
    t.is(again.id, h.id, 'pull after remove');
    const usage = await reopened.fsInfo();
    t.is(usage.mountpoint, root);
    t.true(usage.usedBytes > 1_000_000 && usage.inodesUsed > 20, JSON.stringify(usage));
  });

  rt('a layer whose bytes do not match its digest fails the pull and leaves nothing', async (t) => {
    let corrupt = true;
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!corrupt || !/\/blobs\//.test(String(input)) || res.status !== 200) return res;
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length < 10_000) return new Response(body, res); // the config: let it through
      body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
      return new Response(body, { status: 200, headers: res.headers });
    };
    const { root, store, busybox } = await setup(t, { fetch: tampering });
    const err = await t.throwsAsync(store.pull(busybox));
    t.true(err instanceof DigestMismatch, err?.message);
    t.is(store.get(busybox), undefined);
    await store.remove('nothing-here');
    t.deepEqual(await readdir(join(root, 'layers')), []);
    t.deepEqual(await readdir(join(root, 'content/blobs/sha256')).catch(() => []), []);
    corrupt = false;
    t.truthy(await store.pull(busybox), 'a clean pull afterwards works');
  });

  rt('only root reaches the store: root, content, layers and rootfs are 0700 (tightened at open), layers keep their own modes', async (t) => {
    const { root, store, busybox } = await setup(t);
    const rec = await store.pull(busybox);
    const key = rootfsKey(t, store);
    await store.prepareRootfs(key, rec.id, mounter);
    // As an older skiff left it: world-readable, and every directory above it too.
    for (const d of [join(root, '..'), root, join(root, 'content'), join(root, 'layers'), join(root, 'rootfs')]) await chmod(d, 0o755);
    const busyboxBin = join(root, 'layers', rec.diffIds[0]!.slice('sha256:'.length), 'bin/busybox');
    const asNobody = (path: string) => run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/busybox', 'stat', '-c', '%a', path]).then(() => 'read', (err: { stderr?: string }) => err.stderr ?? 'failed');
    t.is(await asNobody(busyboxBin), 'read', 'the setup reaches the layer before the store is reopened');
    const reopened = await ImageStore.open(root);
    t.truthy(reopened.get(busybox));
    for (const d of [root, join(root, 'content'), join(root, 'layers'), join(root, 'rootfs')]) t.is((await stat(d)).mode & 0o7777, 0o700, d);
    t.regex(await asNobody(busyboxBin), /Permission denied/);
    t.regex(await asNobody(join(root, 'rootfs', key)), /Permission denied/);
    // The layer dir is the container's /: its mode stays the image's.
    t.is((await stat(join(busyboxBin, '../..'))).mode & 0o777, 0o755);
  });
}
