import { lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { criClient } from '../../src/cri/client.js';
import type { CriDeps } from '../../src/cri/deps.js';
import { CriError } from '../../src/cri/errors.js';
import { ImageStore } from '../../src/cri/images/store.js';
import { imageRpcs } from '../../src/cri/rpc/images.js';
import { serveCri } from '../../src/cri/server.js';
import { FakeFsMeta } from '../../src/host/image-fs/fake.js';
import { RealFsMeta } from '../../src/host/image-fs/real.js';
import { PLATFORM, putImage, startHostileRegistry, trickle } from '../helpers/hostile-registry.js';
import { tempDir } from '../helpers/cni.js';
import { buildTestImages, push } from '../helpers/images.js';
import { isRoot, uniq } from '../helpers/names.js';
import { startRegistry } from '../helpers/registry.js';
import { rootOnly } from '../helpers/root.js';

// The ImageService RPCs through a real gRPC server and client, over a real registry; and the
// addon's fsApply on its own.
const rt = rootOnly(test);

/** The ImageService RPCs of `store` on a socket in dir, and a client of them; both closed at teardown. */
async function serveImages(t: ExecutionContext, dir: string, store: ImageStore) {
  // Only the image store is needed by these handlers; the rest of CriDeps belongs to other RPCs.
  const deps = { images: store, networkReady: async () => ({ ready: true }), cgroupDriver: 'cgroupfs' } as Partial<CriDeps> as CriDeps;
  const server = await serveCri(deps, join(dir, 'cri.sock'), { runtime: {}, image: imageRpcs });
  const client = criClient(server.socketPath);
  t.teardown(async () => {
    client.close();
    await server.close(1000);
  });
  return client;
}

async function serving(t: ExecutionContext) {
  const [dir, root, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
  const images = await buildTestImages(dir);
  const repo = `skiff-test/${uniq()}`;
  const store = await ImageStore.open(root);
  const client = await serveImages(t, dir, store);
  return {
    image: client.image, root, registry, repo,
    busybox: await push(images, 'busybox', registry.host, repo),
    httpd: await push(images, 'httpd', registry.host, repo, 'v2s2'),
  };
}

async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CriError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

if (isRoot) {
  rt('PullImage, ListImages, ImageStatus, RemoveImage (twice), pull after remove, ImageFsInfo', async (t) => {
    const { image, root, busybox, httpd } = await serving(t);
    const { imageRef } = await image.pullImage({ image: { image: httpd } });
    t.regex(imageRef, /^sha256:[a-f0-9]{64}$/);
    const st = (await image.imageStatus({ image: { image: httpd }, verbose: true }));
    t.is(st.image?.id, imageRef);
    t.deepEqual(st.image?.repoTags, [httpd]);
    t.is(st.image?.uid?.value, '1000', 'int64 as a string');
    t.is(st.image?.username, '');
    t.true(Number(st.image?.size) > 1_000_000);
    t.deepEqual(JSON.parse(st.info.info!).imageSpec.config.Entrypoint, ['/bin/httpd']);
    const digestRef = st.image!.repoDigests[0]!;
    t.is((await image.pullImage({ image: { image: digestRef } })).imageRef, imageRef);
    t.is((await image.imageStatus({ image: { image: imageRef.slice(7, 19) } })).image?.id, imageRef);

    const bb = await image.pullImage({ image: { image: busybox } });
    t.is((await image.listImages({})).images.length, 2);
    t.deepEqual((await image.listImages({ filter: { image: { image: busybox } } })).images.map((i) => i.id), [bb.imageRef]);
    t.is((await image.imageStatus({ image: { image: busybox } })).image?.uid, null);

    await image.removeImage({ image: { image: httpd } });
    await image.removeImage({ image: { image: httpd } });
    t.is((await image.imageStatus({ image: { image: httpd } })).image, null);
    t.is((await image.imageStatus({ image: { image: digestRef } })).image, null, 'removed with all its names');
    t.is((await image.pullImage({ image: { image: httpd } })).imageRef, imageRef, 'pull after remove');

    const fs = (await image.imageFsInfo({})).imageFilesystems;
    t.is(fs.length, 1);
    t.is(fs[0]!.fsId?.mountpoint, root);
    t.true(Number(fs[0]!.usedBytes?.value) > 1_000_000);
    t.true(Number(fs[0]!.inodesUsed?.value) > 20);
    t.regex(fs[0]!.timestamp, /^\d{19}$/);
  });

  rt('PullImage errors: bad reference InvalidArgument, unknown image NotFound, no registry Unavailable', async (t) => {
    const { image, registry, repo } = await serving(t);
    const bad = await rejection(image.pullImage({ image: { image: 'Not A Ref' } }));
    t.is(bad.kind, 'invalidArgument');
    t.regex(bad.message, /image\.image/);
    t.is((await rejection(image.pullImage({ image: {} }))).kind, 'invalidArgument');
    const missing = await rejection(image.pullImage({ image: { image: `${registry.host}/${repo}:nope` } }));
    t.is(missing.kind, 'notFound');
    t.regex(missing.message, /nope/);
    t.is((await rejection(image.pullImage({ image: { image: '127.0.0.1:1/x/y:z' } }))).kind, 'unavailable');
    t.is((await image.imageStatus({ image: { image: 'never/pulled' } })).image, null);
    await t.notThrowsAsync(image.removeImage({ image: { image: 'never/pulled' } }));
  });

  rt('fsApply: device nodes, trusted xattrs, owners, modes and ns times on the real kernel; failures name the op', async (t) => {
    const dir = await tempDir(t);
    const fs = new RealFsMeta();
    const [dev, file, link] = [join(dir, 'wh'), join(dir, 'f'), join(dir, 'l')];
    await writeFile(file, 'x');
    await symlink('f', link);
    await mkdir(join(dir, 'd'));
    await fs.apply([
      { op: 'mknod', path: dev, type: 'char', mode: 0, major: 0, minor: 0 },
      { op: 'mknod', path: join(dir, 'fifo'), type: 'fifo', mode: 0o600, major: 0, minor: 0 },
      { op: 'setxattr', path: join(dir, 'd'), name: 'trusted.overlay.opaque', value: Buffer.from('y') },
      { op: 'chown', path: file, uid: 1000, gid: 2000 },
      { op: 'chown', path: link, uid: 3000, gid: 3000 },
      { op: 'chmod', path: file, mode: 0o4750 },
      { op: 'utimes', path: file, atimeNs: 1_600_000_000_123_456_789n, mtimeNs: 1_600_000_000_123_456_789n },
    ]);
    const d = await lstat(dev);
    t.true(d.isCharacterDevice());
    t.is(d.rdev, 0);
    t.true((await lstat(join(dir, 'fifo'))).isFIFO());
    const f = await stat(file, { bigint: true });
    t.deepEqual([f.uid, f.gid, f.mode & 0o7777n], [1000n, 2000n, 0o4750n]);
    t.is(f.mtimeNs, 1_600_000_000_123_456_789n);
    t.is((await lstat(link)).uid, 3000, 'lchown: the symlink, not its target');
    t.is(await readFile(file, 'utf8'), 'x');
    const err = await t.throwsAsync<Error & { code: string; opIndex: number; syscall: string }>(fs.apply([
      { op: 'chmod', path: file, mode: 0o644 },
      { op: 'mknod', path: dev, type: 'char', mode: 0, major: 0, minor: 0 },
    ]));
    t.is(err?.code, 'EEXIST');
    t.is(err?.opIndex, 1);
    t.is(err?.syscall, 'mknod');
    t.is((await stat(file)).mode & 0o7777, 0o644, 'the op before the failure was applied');
    await t.throwsAsync(fs.apply([{ op: 'chmod', path: 'relative', mode: 0 }]), { message: /absolute/ });
  });
}

/** PullImage served over gRPC from a store pulling from a registry that stalls on a layer. */
async function stalledPull(t: ExecutionContext, progressTimeoutMs: number) {
  const [dir, root, reg] = [await tempDir(t), await tempDir(t), await startHostileRegistry(t)];
  const { layers } = putImage(reg, 'v1', [Buffer.alloc(1000, 'x')]);
  const { asked } = trickle(reg, `/v2/e/app/blobs/${layers[0]!.digest}`);
  const store = await ImageStore.open(root, { fs: new FakeFsMeta(), platform: PLATFORM, pullLimits: { progressTimeoutMs } });
  const client = await serveImages(t, dir, store);
  return { reg, asked, store, image: client.image, ref: `${reg.host}/e/app:v1` };
}

test('a PullImage whose client deadline passes stops its download: the registry sees the connection go', async (t) => {
  const { reg, asked, store, image, ref } = await stalledPull(t, 0);
  const pulled = rejection(image.pullImage({ image: { image: ref } }, { timeoutMs: 1000 }));
  await asked;
  t.is((await pulled).kind, 'deadlineExceeded');
  await reg.hungUp;
  t.deepEqual(store.list(), []);
});

test('a registry that stops sending fails PullImage with Canceled after the progress timeout, as containerd', async (t) => {
  const { reg, image, ref } = await stalledPull(t, 1000);
  const err = await rejection(image.pullImage({ image: { image: ref } }));
  t.is(err.kind, 'cancelled');
  t.regex(err.message, /pull cancelled: no data from the registry for 1s/);
  await reg.hungUp;
});
