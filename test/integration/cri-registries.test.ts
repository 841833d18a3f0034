import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { issueClientCertificate, makePki } from '../../src/apiserver/pki.js';
import { criClient } from '../../src/cri/client.js';
import type { CriDeps } from '../../src/cri/deps.js';
import { CriError } from '../../src/cri/errors.js';
import { loadRegistryHosts } from '../../src/cri/images/registry-hosts.js';
import { ImageStore } from '../../src/cri/images/store.js';
import { imageRpcs } from '../../src/cri/rpc/images.js';
import { serveCri } from '../../src/cri/server.js';
import { RealFiles } from '../../src/host/files/real.js';
import { tempDir } from '../helpers/cni.js';
import { buildTestImages } from '../helpers/images.js';
import { isRoot, uniq } from '../helpers/names.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { rootOnly } from '../helpers/root.js';

// An air-gapped node: PullImage of registry.k8s.io/busybox:1 through registries.yaml, served
// by docker-registry on 127.0.0.1 holding it as mirror/busybox:1. The mirrored registry's own
// endpoint is disabled wherever a failing pull could otherwise reach out to it.
const rt = rootOnly(test);
const run = promisify(execFile);
const IMAGE = 'registry.k8s.io/busybox:1';

/** A registry holding the test busybox image as `<repo>:1`. */
async function mirrorWithBusybox(t: ExecutionContext, repo: string): Promise<Registry> {
  const [dir, registry] = [await tempDir(t), await startRegistry(t)];
  const images = await buildTestImages(dir);
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--format', 'oci', `oci:${images.layout}:busybox`, `docker://${registry.host}/${repo}:1`]);
  return registry;
}

/** The ImageService of a store that pulls through `yaml`, over a real gRPC socket. */
async function imageService(t: ExecutionContext, yaml: string, disableDefaultEndpoint = true) {
  const [dir, root] = [await tempDir(t), await tempDir(t)];
  await writeFile(join(dir, 'registries.yaml'), yaml);
  const { hosts } = await loadRegistryHosts(join(dir, 'registries.yaml'), new RealFiles(), { disableDefaultEndpoint });
  const store = await ImageStore.open(root, { hosts });
  const deps = { images: store, networkReady: async () => ({ ready: true }), cgroupDriver: 'cgroupfs' } as Partial<CriDeps> as CriDeps;
  const server = await serveCri(deps, join(dir, 'cri.sock'), { runtime: {}, image: imageRpcs });
  const client = criClient(server.socketPath);
  t.teardown(async () => {
    client.close();
    await server.close(1000);
  });
  return { image: client.image, dir };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
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
  rt('PullImage of registry.k8s.io/busybox:1 comes from a rewritten mirror after a refused and an unauthorized endpoint, and keeps its name', async (t) => {
    const repo = `mirror-${uniq()}`;
    const mirror = await mirrorWithBusybox(t, `${repo}/busybox`);
    const locked = await startRegistry(t, { auth: { username: 'u', password: 'p' } });
    const { image } = await imageService(t, `
mirrors:
  registry.k8s.io:
    endpoint:
      - "http://127.0.0.1:${await closedPort()}"
      - "${locked.host}"
      - "http://${mirror.host}"
    rewrite:
      "^(.*)$": "${repo}/$1"
`);
    const { imageRef } = await image.pullImage({ image: { image: IMAGE } });
    const status = (await image.imageStatus({ image: { image: IMAGE } })).image;
    t.is(status?.id, imageRef);
    t.deepEqual(status?.repoTags, [IMAGE]);
    t.regex(status?.repoDigests[0] ?? '', /^registry\.k8s\.io\/busybox@sha256:[a-f0-9]{64}$/);
    t.deepEqual((await image.listImages({})).images.map((i) => i.repoTags), [[IMAGE]]);
    t.regex(locked.log(), new RegExp(`/v2/${repo}/busybox/manifests/1`), 'the locked mirror was asked, with the rewritten name, and refused');
    t.regex(mirror.log(), new RegExp(`/v2/${repo}/busybox/manifests/1`));
  });

  rt('an image whose mirrors all fail comes from its own registry, the default endpoint, unrewritten', async (t) => {
    const registry = await mirrorWithBusybox(t, 'own/busybox');
    const { image } = await imageService(t, `mirrors:\n  "${registry.host}":\n    endpoint: ["http://127.0.0.1:${await closedPort()}"]\n    rewrite: { "^own/": "elsewhere/" }\n`, false);
    const ref = `${registry.host}/own/busybox:1`;
    await image.pullImage({ image: { image: ref } });
    t.deepEqual((await image.imageStatus({ image: { image: ref } })).image?.repoTags, [ref]);
  });

  rt('an https mirror with a client-certificate demand: its CA file and client certificate pull; another CA fails saying so', async (t) => {
    const pki = makePki();
    const plain = await mirrorWithBusybox(t, 'mirror/busybox');
    const secure = await startRegistry(t, { dataDir: plain.dataDir, tls: { cert: pki.serving.cert, key: pki.serving.key, clientCa: pki.ca.cert } });
    const dir = await tempDir(t);
    const client = issueClientCertificate(pki.ca, 'node-puller');
    await Promise.all([
      writeFile(join(dir, 'ca.crt'), pki.ca.cert), writeFile(join(dir, 'other-ca.crt'), makePki().ca.cert),
      writeFile(join(dir, 'client.crt'), client.cert), writeFile(join(dir, 'client.key'), client.key, { mode: 0o600 }),
    ]);
    const yaml = (ca: string) => `
mirrors:
  registry.k8s.io:
    endpoint: ["https://${secure.host}"]
    rewrite: { "^busybox$": "mirror/busybox" }
configs:
  "${secure.host}":
    tls: { ca_file: ${join(dir, ca)}, cert_file: ${join(dir, 'client.crt')}, key_file: ${join(dir, 'client.key')} }
`;
    const good = await imageService(t, yaml('ca.crt'));
    await good.image.pullImage({ image: { image: IMAGE } });
    t.deepEqual((await good.image.imageStatus({ image: { image: IMAGE } })).image?.repoTags, [IMAGE]);

    const bad = await imageService(t, yaml('other-ca.crt'));
    const err = await rejection(bad.image.pullImage({ image: { image: IMAGE } }));
    t.is(err.kind, 'unavailable');
    t.regex(err.message, new RegExp(`cannot reach mirror ${secure.host} of registry\\.k8s\\.io: tls: the certificate of ${secure.host} is not trusted by the CA in ${join(dir, 'other-ca.crt')}`));
    t.deepEqual((await bad.image.listImages({})).images, []);
  });
}
