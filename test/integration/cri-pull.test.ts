import { readdir, readFile } from 'node:fs/promises';
import test from 'ava';
import { ContentStore, sha256 } from '../../src/cri/images/content.js';
import { pullImage } from '../../src/cri/images/pull.js';
import { parseReference } from '../../src/cri/images/reference.js';
import { RegistryClient, RegistryError } from '../../src/cri/images/registry.js';
import { tempDir } from '../helpers/cni.js';
import { buildTestImages, push } from '../helpers/images.js';
import { isRoot } from '../helpers/names.js';
import { startRegistry } from '../helpers/registry.js';
import { rootOnly } from '../helpers/root.js';

// Pulls from a real registry on 127.0.0.1 into the content store.
const rt = rootOnly(test);

if (isRoot) {
  rt('pulls OCI and docker v2 images by tag and by digest; every blob lands under its digest', async (t) => {
    const [dir, store, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
    const images = await buildTestImages(dir);
    const ociRef = await push(images, 'httpd', registry.host, 'skiff-test/httpd');
    const dockerRef = await push(images, 'busybox', registry.host, 'skiff-test/busybox', 'v2s2');
    const deps = { registry: new RegistryClient(), content: new ContentStore(store) };
    const httpd = await pullImage(parseReference(ociRef), deps);
    t.is(httpd.layers.length, 3);
    t.is(httpd.config.config?.User, '1000:1000');
    t.deepEqual(httpd.config.config?.Entrypoint, ['/bin/httpd']);
    const busybox = await pullImage(parseReference(dockerRef), deps);
    t.is(busybox.layers[0]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    for (const d of [httpd.configDigest, ...httpd.layers.map((l) => l.digest), busybox.manifestDigest]) {
      t.is(sha256(await readFile(deps.content.path(d))), d);
    }
    const byDigest = await pullImage(parseReference(`${registry.host}/skiff-test/httpd@${httpd.manifestDigest}`), deps);
    t.is(byDigest.configDigest, httpd.configDigest);
    t.deepEqual(await readdir(`${store}/ingest`), [], 'nothing half-written is left');
  });

  rt('unknown images, wrong digests and unreachable registries fail clearly and store nothing', async (t) => {
    const [dir, store, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
    const images = await buildTestImages(dir);
    await push(images, 'httpd', registry.host, 'skiff-test/httpd');
    const deps = { registry: new RegistryClient(), content: new ContentStore(store) };
    const missing = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${registry.host}/skiff-test/nope:1`), deps));
    t.is(missing?.status, 404);
    t.regex(missing!.message, /skiff-test\/nope/);
    const wrong = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${registry.host}/skiff-test/httpd@sha256:${'0'.repeat(64)}`), deps));
    t.is(wrong?.status, 404);
    const down = await t.throwsAsync<RegistryError>(pullImage(parseReference('127.0.0.1:1/skiff-test/httpd:httpd'), deps));
    t.is(down?.code, 'UNREACHABLE');
    t.deepEqual(await readdir(store).catch(() => []), []);
  });

  rt('concurrent pulls of one image share the downloads', async (t) => {
    const [dir, store, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t)];
    const images = await buildTestImages(dir);
    const ref = parseReference(await push(images, 'httpd', registry.host, 'skiff-test/httpd'));
    let blobFetches = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes('/blobs/')) blobFetches++;
      return fetch(input, init);
    };
    const deps = { registry: new RegistryClient({ fetch: counting }), content: new ContentStore(store) };
    const pulls = await Promise.all(Array.from({ length: 5 }, () => pullImage(ref, deps)));
    t.is(new Set(pulls.map((p) => p.configDigest)).size, 1);
    t.is(blobFetches, 4, 'config + 3 layers, once each');
  });
}

if (isRoot) {
  rt('credentials stay with their caller: after alice pulls, anonymous and wrong-password pulls get 401 and send nothing of hers', async (t) => {
    const alice = { username: 'alice', password: 's3cret' };
    const [dir, store, registry] = [await tempDir(t), await tempDir(t), await startRegistry(t, { auth: alice })];
    const images = await buildTestImages(dir);
    const ref = parseReference(await push(images, 'httpd', registry.host, 'private/httpd', 'oci', alice));
    const sent: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    };
    // One client for every caller, as the runtime has one.
    const deps = { registry: new RegistryClient({ fetch: recording }), content: new ContentStore(store) };
    const authorized = () => registry.log().match(/msg="authorized request"/g)?.length ?? 0;
    await pullImage(ref, deps, alice);
    t.true(authorized() > 0, 'the registry took alice\'s credentials');
    const herHeader = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    t.true(sent.includes(herHeader));
    for (const creds of [undefined, { username: 'alice', password: 'wrong' }, { username: 'mallory', password: 's3cret' }, { auth: Buffer.from('alice:nope').toString('base64') }]) {
      const before = authorized();
      sent.length = 0;
      const err = await t.throwsAsync<RegistryError>(pullImage(ref, deps, creds), undefined, JSON.stringify(creds));
      t.is(err?.status, 401, JSON.stringify(creds));
      t.false(sent.includes(herHeader), `no request of ${JSON.stringify(creds)} carries alice's header`);
      t.is(authorized(), before, 'the registry authorized none of them');
    }
    // Alice herself still pulls, from the cache or anew.
    await pullImage(ref, deps, alice);
    await pullImage(ref, deps, { auth: Buffer.from('alice:s3cret').toString('base64') });
  });
}
