import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ContentStore } from '../../../../src/cri/images/content.js';
import { pullError } from '../../../../src/cri/images/cri.js';
import { pullImage } from '../../../../src/cri/images/pull.js';
import { parseReference } from '../../../../src/cri/images/reference.js';
import { loadRegistryHosts, type RegistryHosts } from '../../../../src/cri/images/registry-hosts.js';
import { RegistryClient, RegistryError } from '../../../../src/cri/images/registry.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';
import { PLATFORM, putImage, startHostileRegistry, type HostileRegistry } from '../../../helpers/hostile-registry.js';

// Pulls through registries.yaml mirrors, against scripted registries on 127.0.0.1. The
// mirrored registry's own endpoint is disabled wherever a pull could reach it, so nothing
// leaves loopback.

async function contentStore(t: ExecutionContext): Promise<ContentStore> {
  const root = await mkdtemp(join(tmpdir(), 'skiff-mirrors-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return new ContentStore(root);
}

async function hostsFrom(yaml: string, disableDefaultEndpoint = true): Promise<RegistryHosts> {
  const files = new FakeFiles();
  await files.write('/registries.yaml', yaml);
  return (await loadRegistryHosts('/registries.yaml', files, { disableDefaultEndpoint })).hosts;
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Every request answered 503, as a mirror that is down behind its proxy. */
function refuseAll(reg: HostileRegistry): void {
  reg.route = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'mirror is down' }] }));
    return true;
  };
}

test('a rewritten mirror serves registry.k8s.io/busybox:1 after a refused and a failing endpoint', async (t) => {
  const [down, good] = [await startHostileRegistry(t), await startHostileRegistry(t)];
  refuseAll(down);
  const { manifest } = putImage(good, '1', [Buffer.from('layer')]);
  const hosts = await hostsFrom(`
mirrors:
  registry.k8s.io:
    endpoint: ["http://127.0.0.1:${await closedPort()}", "http://${down.host}", "http://${good.host}"]
    rewrite: { "^(.*)$": "mirror/$1" }
`);
  const pulled = await pullImage(parseReference('registry.k8s.io/busybox:1'), { registry: new RegistryClient({ hosts }), content: await contentStore(t) }, undefined, PLATFORM);
  t.is(pulled.manifestDigest, manifest.digest);
  t.is(pulled.repoDigest, `registry.k8s.io/busybox@${manifest.digest}`, 'the image keeps its own name');
  t.deepEqual(new Set(good.seen.map((s) => s.path.split('/').slice(0, 4).join('/'))), new Set(['/v2/mirror/busybox']), 'the mirror is asked for the rewritten repository');
  t.true(down.seen.some((s) => s.path === '/v2/mirror/busybox/manifests/1'), 'the failing mirror was asked first');
});

test('when no endpoint has the image, the pull fails with what each said; a 404 everywhere is NotFound', async (t) => {
  const [a, b] = [await startHostileRegistry(t), await startHostileRegistry(t)];
  const client = new RegistryClient({ hosts: await hostsFrom(`mirrors: { "*": { endpoint: ["http://${a.host}", "http://${b.host}"] } }`) });
  const deps = { registry: client, content: await contentStore(t) };
  const missing = await t.throwsAsync<RegistryError>(pullImage(parseReference('quay.io/x/y:1'), deps, undefined, PLATFORM));
  t.is(missing?.status, 404);
  t.is(pullError(missing, 'image').kind, 'notFound');
  t.regex(missing?.message ?? '', new RegExp(`quay.io/x/y manifests 1: no endpoint served it: .*from mirror http://${a.host}/v2/x/y: HTTP 404.*; .*from mirror http://${b.host}/v2/x/y: HTTP 404`));

  refuseAll(a);
  const down = await t.throwsAsync<RegistryError>(pullImage(parseReference('quay.io/x/y:1'), deps, undefined, PLATFORM));
  t.is(down?.status, 503, 'the first failure other than a 404 decides, as containerd\'s resolver');
  t.regex(down?.message ?? '', /HTTP 503 \(UNAVAILABLE: mirror is down\)/);
});

test('a mirror host\'s configs auth is used when the caller brings none; the caller\'s credentials win', async (t) => {
  const reg = await startHostileRegistry(t, { bearer: { users: { alice: 's3cret' } } });
  putImage(reg, 'v1', [Buffer.from('private layer')]);
  const hosts = await hostsFrom(`
mirrors:
  docker.io:
    endpoint: ["http://${reg.host}"]
configs:
  "${reg.host}":
    auth: { username: alice, password: s3cret }
`);
  const deps = { registry: new RegistryClient({ hosts }), content: await contentStore(t) };
  await pullImage(parseReference('private/app:v1'), deps, undefined, PLATFORM);
  t.true(reg.seen.some((s) => s.path === '/token' && s.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}`));
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference('private/app:v1'), deps, { username: 'alice', password: 'wrong' }, PLATFORM));
  t.is(err?.status, 401);
});

test('with the default endpoint disabled and no mirror endpoint, a pull says there is nowhere to pull from', async (t) => {
  const client = new RegistryClient({ hosts: await hostsFrom('mirrors: { "*": { endpoint: [] } }') });
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference('quay.io/x/y:1'), { registry: client, content: await contentStore(t) }, undefined, PLATFORM));
  t.regex(err?.message ?? '', /no endpoint to pull from/);
  t.is(err?.status, 404);
});

test('a configs identitytoken is swapped for a bearer token by OAuth2 POST, or sent as basic\'s password where the realm has no POST', async (t) => {
  for (const noOAuth of [false, true]) {
    const reg = await startHostileRegistry(t, { bearer: { users: { alice: 's3cret' }, refreshTokens: { 'refresh-1': 'alice' }, noOAuth } });
    putImage(reg, 'v1', [Buffer.from('private layer')]);
    const hosts = await hostsFrom(`mirrors: { docker.io: { endpoint: ["http://${reg.host}"] } }\nconfigs: { "${reg.host}": { auth: { identitytoken: refresh-1 } } }\n`);
    await pullImage(parseReference('private/app:v1'), { registry: new RegistryClient({ hosts }), content: await contentStore(t) }, undefined, PLATFORM);
    const asks = reg.seen.filter((s) => s.path === '/token').map((s) => `${s.method} ${s.authorization ?? ''}`);
    t.deepEqual(asks, noOAuth ? ['POST ', `GET Basic ${Buffer.from(':refresh-1').toString('base64')}`] : ['POST '], `noOAuth: ${noOAuth}`);
    t.true(reg.seen.some((s) => s.authorization === 'Bearer tok-alice'));
  }
});

test('caller credentials naming a server address go to that host only; other endpoints are asked without them', async (t) => {
  const users = { alice: 's3cret' };
  const [mirror, origin] = [await startHostileRegistry(t, { bearer: { users } }), await startHostileRegistry(t, { bearer: { users } })];
  putImage(origin, 'v1', [Buffer.from('layer')]);
  // The mirror lacks the image, so the pull reaches the registry itself (a loopback one).
  const hosts = await hostsFrom(`mirrors: { "${origin.host}": { endpoint: ["http://${mirror.host}"] } }`, false);
  const deps = { registry: new RegistryClient({ hosts }), content: await contentStore(t) };
  const alice = (serverAddress?: string) => ({ username: 'alice', password: 's3cret', ...(serverAddress ? { serverAddress } : {}) });
  const basicToMirror = () => mirror.seen.filter((s) => s.path === '/token' && s.authorization?.startsWith('Basic ')).length;
  await pullImage(parseReference(`${origin.host}/app:v1`), deps, alice(), PLATFORM);
  t.is(basicToMirror(), 1, 'without a server address, the mirror gets them too (as containerd)');
  await pullImage(parseReference(`${origin.host}/app:v1`), deps, alice(`http://${origin.host}`), PLATFORM);
  t.is(basicToMirror(), 1, 'with one, the mirror saw no credentials');
  await pullImage(parseReference(`${origin.host}/app:v1`), deps, alice(origin.host), PLATFORM);
  const err = await t.throwsAsync<RegistryError>(pullImage(parseReference(`${origin.host}/app:v1`), deps, alice('other.example:5000'), PLATFORM));
  t.is(err?.status, 401, 'credentials for another registry are not sent to this one');
});
