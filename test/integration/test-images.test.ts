import test from 'ava';
import { tempDir } from '../helpers/cni.js';
import { buildTestImages, push } from '../helpers/images.js';
import { isRoot } from '../helpers/names.js';
import { startRegistry } from '../helpers/registry.js';
import { rootOnly } from '../helpers/root.js';

// The image infrastructure the CRI tests stand on: a busybox-static image with several
// layers, a whiteout and an opaque directory, served by a real registry on 127.0.0.1.
const rt = rootOnly(test);

if (isRoot) {
  rt('test images build, push and are served by the registry with OCI and docker manifests', async (t) => {
    const [dir, registry] = [await tempDir(t), await startRegistry(t)];
    const images = await buildTestImages(dir);
    await push(images, 'httpd', registry.host, 'skiff-test/httpd');
    await push(images, 'busybox', registry.host, 'skiff-test/busybox', 'v2s2');
    const get = (path: string, accept: string) => fetch(`http://${registry.host}${path}`, { headers: { accept } });
    const oci = await get('/v2/skiff-test/httpd/manifests/httpd', 'application/vnd.oci.image.manifest.v1+json');
    t.is(oci.status, 200);
    const manifest = (await oci.json()) as { layers: unknown[]; config: { digest: string } };
    t.is(manifest.layers.length, 3);
    const config = (await (await get(`/v2/skiff-test/httpd/blobs/${manifest.config.digest}`, '*/*')).json()) as { config: { User: string }; architecture: string };
    t.is(config.config.User, '1000:1000');
    t.is(config.architecture, 'amd64');
    const docker = await get('/v2/skiff-test/busybox/manifests/busybox', 'application/vnd.docker.distribution.manifest.v2+json');
    t.is(docker.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
  });
}
