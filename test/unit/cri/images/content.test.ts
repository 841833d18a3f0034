import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { ContentStore, DigestMismatch, sha256 } from '../../../../src/cri/images/content.js';
import { choosePlatform } from '../../../../src/cri/images/pull.js';
import { parseChallenge } from '../../../../src/cri/images/registry.js';

test('a blob whose bytes do not match its digest is refused and nothing is kept', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'skiff-content-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const store = new ContentStore(root);
  const good = Buffer.from('layer bytes');
  await store.ingest(sha256(good), async () => Readable.from([good]));
  t.true(await store.has(sha256(good)));
  const claimed = sha256('something else');
  await t.throwsAsync(store.ingest(claimed, async () => Readable.from([good])), { instanceOf: DigestMismatch });
  t.false(await store.has(claimed));
  t.deepEqual(await readdir(join(root, 'ingest')), []);
  const short = Buffer.from('abc');
  await t.throwsAsync(store.ingest(sha256(short), async () => Readable.from([short]), 5), { instanceOf: DigestMismatch, message: /expected 5/ });
  t.false(await store.has(sha256(short)));
});

test('www-authenticate challenges parse into scheme and parameters', (t) => {
  t.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), {
    scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
  });
  t.deepEqual(parseChallenge('Basic realm="Registry"'), { scheme: 'basic', params: { realm: 'Registry' } });
});

test('challenge parameter names are the registry\'s: __proto__ is a parameter, an absent constructor is undefined', (t) => {
  const params = parseChallenge('Bearer __proto__="x",realm="https://auth.example/token"')?.params;
  t.deepEqual(params && Object.entries(params), [['__proto__', 'x'], ['realm', 'https://auth.example/token']]);
  t.is(params?.['constructor'], undefined);
});

test('platform selection picks os/arch, then the variant', (t) => {
  const index = { manifests: [
    { mediaType: 'm', digest: 'arm', size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: 'm', digest: 'amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: 'm', digest: 'win', size: 1, platform: { os: 'windows', architecture: 'amd64' } },
  ] };
  t.is(choosePlatform(index, { os: 'linux', architecture: 'amd64' })?.digest, 'amd');
  t.is(choosePlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest, 'arm');
  t.is(choosePlatform(index, { os: 'linux', architecture: 's390x' }), undefined);
});
