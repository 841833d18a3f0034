import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ContentStore } from '../../src/cri/images/content.js';
import { pullImage } from '../../src/cri/images/pull.js';
import { parseReference } from '../../src/cri/images/reference.js';
import { RegistryClient, RegistryError } from '../../src/cri/images/registry.js';
import { PLATFORM, putImage, startHostileRegistry } from '../helpers/hostile-registry.js';

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
