import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ContentStore } from '../../../../src/cri/images/content.js';
import { pullError } from '../../../../src/cri/images/cri.js';
import { PullStalled } from '../../../../src/cri/images/limits.js';
import { ImageStore } from '../../../../src/cri/images/store.js';
import { FakeFsMeta } from '../../../../src/host/image-fs/fake.js';
import { pullImage } from '../../../../src/cri/images/pull.js';
import { parseReference } from '../../../../src/cri/images/reference.js';
import { RegistryClient, RegistryError } from '../../../../src/cri/images/registry.js';
import { digestOf, LAYER_GZIP, OCI_INDEX, OCI_MANIFEST, PLATFORM, putImage, startHostileRegistry, trickle, type HostileRegistry } from '../../../helpers/hostile-registry.js';

// Pulls from registries that lie, stall or attack, scripted on 127.0.0.1.

async function contentStore(t: ExecutionContext): Promise<ContentStore> {
  const root = await mkdtemp(join(tmpdir(), 'skiff-hostile-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return new ContentStore(root);
}

test('bearer tokens stay with the credentials that got them: anonymous and wrong-password pulls after alice get 401', async (t) => {
  const reg = await startHostileRegistry(t, { bearer: { users: { alice: 's3cret' } } });
  putImage(reg, 'v1', [Buffer.from('layer')]);
  const ref = parseReference(`${reg.host}/private/app:v1`);
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  await pullImage(ref, deps, { username: 'alice', password: 's3cret' }, PLATFORM);
  t.true(reg.seen.some((s) => s.authorization === 'Bearer tok-alice'));
  for (const creds of [undefined, { username: 'alice', password: 'wrong' }, { registryToken: 'forged' }]) {
    const from = reg.seen.length;
    const err = await t.throwsAsync<RegistryError>(pullImage(ref, deps, creds, PLATFORM));
    t.is(err?.status, 401, JSON.stringify(creds));
    t.false(reg.seen.slice(from).some((s) => s.authorization === 'Bearer tok-alice'), `${JSON.stringify(creds)} never sends alice's token`);
  }
  const from = reg.seen.length;
  await pullImage(ref, deps, { username: 'alice', password: 's3cret' }, PLATFORM);
  t.is(reg.seen.slice(from).filter((s) => s.path === '/token').length, 0, 'alice reuses her own cached token');
});

/** Answers `path` with an endless JSON-ish body (no length), counting what it wrote. */
function endless(reg: HostileRegistry, path: string, mediaType: string, headers: Record<string, string> = {}): { sent: number } {
  const counter = { sent: 0 };
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  reg.route = (_req, res, p) => {
    if (p !== path) return false;
    res.writeHead(200, { 'content-type': mediaType, ...headers });
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) counter.sent += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.write('{"schemaVersion":2,"x":"');
    pump();
    return true;
  };
  return counter;
}

test('an endless manifest is cut at containerd\'s 4 MiB limit: the pull fails and the connection closes', async (t) => {
  const reg = await startHostileRegistry(t);
  const stream = endless(reg, '/v2/e/big/manifests/v1', OCI_MANIFEST);
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/big:v1`), deps, undefined, PLATFORM));
  t.is(err?.status, 404, 'refused as containerd does (not found)');
  t.regex(err!.message, /rejecting manifest for 127.0.0.1:\d+\/e\/big:v1: more than 4393216 bytes, the limit/);
  await reg.hungUp;
  // What sits in the kernel's socket buffers was written but never read; the body itself
  // is endless, so reaching here at all means the client stopped.
  t.true(stream.sent < 64 * 1024 * 1024, `sent ${stream.sent}`);
});

test('a manifest declaring more than the limit is refused before its body is read', async (t) => {
  const reg = await startHostileRegistry(t);
  endless(reg, '/v2/e/big/manifests/v1', OCI_MANIFEST, { 'content-length': String(256 * 1024 * 1024) });
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/big:v1`), deps, undefined, PLATFORM));
  t.regex(err!.message, /rejecting 268435456 byte manifest/);
  await reg.hungUp;
});

test('an index entry or layer whose digest is not a digest is refused before it reaches a URL', async (t) => {
  const reg = await startHostileRegistry(t);
  const { manifest } = putImage(reg, 'v1', [Buffer.from('layer')]);
  putImage(reg, 'other', [Buffer.from('another repository\'s')]);
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  for (const digest of ['v1', '../../../e/other/manifests/v1', 'sha256:../../../e/other/manifests/v1', `sha256:${'A'.repeat(64)}`, 42]) {
    const tag = `bad${reg.seen.length}`;
    reg.put({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...manifest, digest, platform: PLATFORM }] }, OCI_INDEX, tag);
    const from = reg.seen.length;
    const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/app:${tag}`), deps, undefined, PLATFORM));
    t.is(err?.code, 'DIGEST_INVALID', String(digest));
    t.regex(err!.message, /is not a sha256 digest/);
    t.deepEqual(reg.seen.slice(from).map((s) => s.path), [`/v2/e/app/manifests/${tag}`], 'only the index was fetched');
  }
  const layer = reg.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: manifest, layers: [{ mediaType: LAYER_GZIP, digest: 'sha256:../../../../e/other/blobs/x', size: 1 }] }, OCI_MANIFEST, 'badlayer');
  const from = reg.seen.length;
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/app@${layer.digest}`), deps, undefined, PLATFORM));
  t.is(err?.code, 'DIGEST_INVALID');
  t.is(reg.seen.length, from + 1, 'no blob was fetched');
});

test('what is fetched by digest must match it; configs over the limit or larger than declared are refused', async (t) => {
  const reg = await startHostileRegistry(t);
  const { manifest } = putImage(reg, 'v1', [Buffer.from('layer')]);
  const other = putImage(reg, 'v2', [Buffer.from('LAYER')]).manifest;
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  // The index names manifest v1; the registry answers that digest with v2's bytes.
  reg.put({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...manifest, platform: PLATFORM }] }, OCI_INDEX, 'idx');
  reg.route = (_req, res, p) => {
    if (p !== `/v2/e/app/manifests/${manifest.digest}`) return false;
    res.writeHead(307, { location: `/v2/e/app/manifests/${other.digest}` }).end();
    return true;
  };
  const swapped = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/app:idx`), deps, undefined, PLATFORM));
  t.is(swapped?.code, 'DIGEST_INVALID');
  t.regex(swapped!.message, /whose digest is/);
  // ... or with more bytes than the index gives for it.
  const longer = putImage(reg, 'v3', [Buffer.from('a longer layer')]).manifest;
  reg.route = (_req, res, p) => {
    if (p !== `/v2/e/app/manifests/${manifest.digest}`) return false;
    res.writeHead(307, { location: `/v2/e/app/manifests/${longer.digest}` }).end();
    return true;
  };
  const grown = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/app:idx`), deps, undefined, PLATFORM));
  t.is(grown?.code, 'DIGEST_INVALID');
  t.regex(grown!.message, /sent .* bytes where its descriptor gives/);
  reg.route = undefined;

  const config = reg.put(Buffer.alloc(5 * 1024 * 1024, 0x20), 'application/vnd.oci.image.config.v1+json');
  const huge = reg.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }, OCI_MANIFEST, 'hugeconfig');
  const from = reg.seen.length;
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${reg.host}/e/app@${huge.digest}`), deps, undefined, PLATFORM));
  t.regex(err!.message, /config: rejecting 5242880 bytes, the limit is 4393216/);
  t.is(reg.seen.length, from + 1, 'the config was not fetched');

  // A config that is endless where its descriptor says 100 bytes: cut at 100.
  const liar = reg.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...config, size: 100 }, layers: [] }, OCI_MANIFEST, 'liar');
  endless(reg, `/v2/e/app/blobs/${config.digest}`, 'application/octet-stream');
  await t.throwsAsync(pullImage(parseReference(`${reg.host}/e/app@${liar.digest}`), deps, undefined, PLATFORM), { name: 'DigestMismatch', message: /more than the 100 bytes/ });
  await reg.hungUp;
});

test('a registry that stops sending cancels the pull after the progress timeout, and the download is closed', async (t) => {
  const reg = await startHostileRegistry(t);
  const { layers } = putImage(reg, 'v1', [Buffer.from('layer one'), Buffer.alloc(1000, 'x')]);
  trickle(reg, `/v2/e/slow/blobs/${layers[1]!.digest}`);
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  // 1 s: far above what answering the manifest and config takes here, below the trickle's 3 s.
  const err = await t.throwsAsync(pullImage(parseReference(`${reg.host}/e/slow:v1`), deps, undefined, PLATFORM, { progressTimeoutMs: 1000 }));
  t.true(err instanceof PullStalled, String(err));
  t.regex(err!.message, /no data from the registry for 1s/);
  await reg.hungUp;
  t.false(await deps.content.has(layers[1]!.digest));
  t.is(pullError(err, 'image.image').kind, 'cancelled', 'CRI callers see Canceled, as from containerd');
});

test('a registry that never answers a request counts as no progress too', async (t) => {
  const reg = await startHostileRegistry(t);
  reg.route = () => true; // never answered
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  await t.throwsAsync(pullImage(parseReference(`${reg.host}/e/mute:v1`), deps, undefined, PLATFORM, { progressTimeoutMs: 200 }), { instanceOf: PullStalled });
  await reg.hungUp;
});

test('an image of many layers downloads at most 3 blobs at once (or as configured)', async (t) => {
  const reg = await startHostileRegistry(t);
  const layers = Array.from({ length: 40 }, (_, i) => Buffer.from(`layer ${i}`));
  putImage(reg, 'v1', layers);
  reg.blobDelayMs = 5;
  for (const [limit, expected] of [[undefined, 3], [5, 5]] as const) {
    reg.maxInFlight = 0;
    const deps = { registry: new RegistryClient(), content: await contentStore(t) };
    await pullImage(parseReference(`${reg.host}/e/many:v1`), deps, undefined, PLATFORM, limit ? { maxConcurrentDownloads: limit } : {});
    t.true(reg.maxInFlight <= expected, `at most ${expected} at once, saw ${reg.maxInFlight}`);
    for (const l of layers) t.true(await deps.content.has(digestOf(l)));
  }
});

test('a cancelled PullImage stops its downloads once its last caller has left', async (t) => {
  const reg = await startHostileRegistry(t);
  const { layers } = putImage(reg, 'v1', [Buffer.alloc(1000, 'x')]);
  const { asked } = trickle(reg, `/v2/e/app/blobs/${layers[0]!.digest}`);
  const root = await mkdtemp(join(tmpdir(), 'skiff-hostile-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const store = await ImageStore.open(root, { fs: new FakeFsMeta(), platform: PLATFORM });
  const [first, second] = [new AbortController(), new AbortController()];
  const ref = `${reg.host}/e/app:v1`;
  const pulls = [store.pull(ref, undefined, first.signal), store.pull(ref, undefined, second.signal)];
  await asked;
  first.abort(new Error('first caller gone'));
  await t.throwsAsync(pulls[0]!, { message: 'first caller gone' });
  t.is(reg.inFlight, 1, 'the other caller still waits: the download goes on');
  second.abort(Object.assign(new Error('deadline exceeded'), { name: 'AbortError' }));
  await t.throwsAsync(pulls[1]!, { message: 'deadline exceeded' });
  await reg.hungUp;
  t.is(store.list().length, 0);
});

test('a pull sharing a blob download with a cancelled pull fetches it anew and succeeds', async (t) => {
  const reg = await startHostileRegistry(t);
  const shared = Buffer.alloc(1000, 'x');
  const { layers } = putImage(reg, 'a', [shared]);
  putImage(reg, 'b', [shared, Buffer.from('b only')]);
  // The first request for the shared layer stalls; later ones are answered.
  const { asked } = trickle(reg, `/v2/e/app/blobs/${layers[0]!.digest}`);
  const stalled = reg.route!;
  reg.route = (req, res, p) => {
    if (!stalled(req, res, p)) return false;
    reg.route = undefined;
    return true;
  };
  const deps = { registry: new RegistryClient(), content: await contentStore(t) };
  const gone = new AbortController();
  const a = pullImage(parseReference(`${reg.host}/e/app:a`), deps, undefined, PLATFORM, { signal: gone.signal });
  await asked;
  const b = pullImage(parseReference(`${reg.host}/e/app:b`), deps, undefined, PLATFORM);
  // b asks for its own layer once it has joined a's download of the shared one (its blobs
  // start together); only then does a's caller leave.
  const bOnly = `/v2/e/app/blobs/${digestOf(Buffer.from('b only'))}`;
  while (!reg.seen.some((s) => s.path === bOnly)) await new Promise((r) => setTimeout(r, 5));
  gone.abort(new Error('a cancelled'));
  await t.throwsAsync(a, { message: 'a cancelled' });
  const pulled = await b;
  t.is(pulled.layers.length, 2);
  t.true(await deps.content.has(layers[0]!.digest));
});
