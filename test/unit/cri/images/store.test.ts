import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { sha256 } from '../../../../src/cri/images/content.js';
import { chainIds, userOf, type ImageRecord } from '../../../../src/cri/images/records.js';
import { ImageStore } from '../../../../src/cri/images/store.js';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { FakeMounter } from '../../../../src/host/mount/fake.js';
import { tempDir } from '../../../helpers/cni.js';

// Name resolution, removal with shared layers, and rootfs bookkeeping, over a store whose
// images.json and layer dirs the test writes itself (no registry, no root).

const digest = (s: string) => sha256(s);
const hex = (d: string) => d.slice('sha256:'.length);

function record(name: string, tag: string, layers: string[], user?: string): ImageRecord {
  const diffIds = layers.map(digest);
  return {
    id: digest(`config ${name}`), repoTags: [tag], repoDigests: [`${tag.replace(/:[^:/]+$/, '')}@${digest(`index ${name}`)}`],
    size: 100, config: { config: { User: user } }, manifestDigest: digest(`manifest ${name}`), layers: [], diffIds, chainIds: chainIds(diffIds),
    ...userOf(user), pinned: false,
  };
}

async function storeWith(t: Parameters<typeof tempDir>[0], records: ImageRecord[]) {
  const root = await tempDir(t);
  await mkdir(join(root, 'layers'), { recursive: true });
  for (const d of new Set(records.flatMap((r) => r.diffIds))) await mkdir(join(root, 'layers', hex(d)));
  await writeFile(join(root, 'images.json'), JSON.stringify({ images: records }));
  return { root, store: await ImageStore.open(root, { fs: new FakeFsMeta() }) };
}

const busybox = record('busybox', 'docker.io/library/busybox:latest', ['base', 'bb']);
const app = record('app', '127.0.0.1:5000/team/app:v1', ['base', 'app'], 'www:www');

test('get resolves ids, id prefixes, normalized tags and repo digests; list filters the same way', async (t) => {
  const { store } = await storeWith(t, [busybox, app]);
  t.is(store.get('busybox')?.id, busybox.id);
  t.is(store.get('library/busybox:latest')?.id, busybox.id);
  t.is(store.get(busybox.id)?.id, busybox.id);
  t.is(store.get(hex(busybox.id).slice(0, 12))?.id, busybox.id);
  t.is(store.get(busybox.repoDigests[0]!)?.id, busybox.id);
  t.is(store.get(`docker.io/library/busybox@${busybox.manifestDigest}`)?.id, busybox.id, 'by the platform manifest too');
  t.is(store.get('127.0.0.1:5000/team/app:v1')?.username, 'www');
  t.is(store.get('127.0.0.1:5000/team/app'), undefined, 'the implicit tag is latest');
  t.is(store.get('busybox:1'), undefined);
  t.is(store.get(''), undefined);
  t.is(store.get('Not A Ref'), undefined);
  t.deepEqual(store.list('busybox').map((i) => i.id), [busybox.id]);
  t.deepEqual(store.list('nothing'), []);
  t.is(store.list().length, 2);
});

test('removing an image keeps the layers another image or a rootfs still uses', async (t) => {
  const { root, store } = await storeWith(t, [busybox, app]);
  const mounter = new FakeMounter();
  const rootfs = await store.prepareRootfs('c1', 'busybox', mounter);
  t.is(rootfs, join(root, 'rootfs/c1/merged'));
  t.is(await store.prepareRootfs('c1', busybox.id, mounter), rootfs);
  t.is((await mounter.list(rootfs)).length, 1);
  await t.throwsAsync(store.prepareRootfs('c1', app.id, mounter), { message: /already exists for image/ });
  await t.throwsAsync(store.prepareRootfs('a/b', app.id, mounter), { message: /rootfs key/ });

  await store.remove('busybox');
  await store.remove('busybox');
  t.is(store.get(busybox.id), undefined);
  const layers = async () => (await readdir(join(root, 'layers'))).sort();
  t.deepEqual(await layers(), [...new Set([...busybox.diffIds, ...app.diffIds])].map(hex).sort(), 'bb stays for the rootfs');
  t.is(await store.prepareRootfs('c1', busybox.id, mounter), rootfs, 'the rootfs outlives its image record');

  await store.removeRootfs('c1', mounter);
  await store.removeRootfs('c1', mounter);
  t.deepEqual(await mounter.list(join(root, 'rootfs')), []);
  t.deepEqual(await layers(), app.diffIds.map(hex).sort());
  await store.remove(app.id);
  t.deepEqual(await layers(), []);
  t.deepEqual(store.list(), []);
  t.deepEqual((await ImageStore.open(root, { fs: new FakeFsMeta() })).list(), [], 'the removal was persisted');
});

test('image user: a number is a uid, a name is a username; chain IDs follow the image spec', (t) => {
  t.deepEqual(userOf('1000:1000'), { uid: 1000, username: '' });
  t.deepEqual(userOf('www:www'), { username: 'www' });
  t.deepEqual(userOf(''), { username: '' });
  t.deepEqual(userOf(undefined), { username: '' });
  const [a, b] = [digest('a'), digest('b')];
  t.deepEqual(chainIds([a, b]), [a, sha256(`${a} ${b}`)]);
});
