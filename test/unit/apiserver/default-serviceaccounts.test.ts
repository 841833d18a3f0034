// The default ServiceAccount loop remembers only live namespaces (issue 19: it kept a Set of
// every namespace ever seen), and still makes the account again for a namespace re-created
// under the same name.
import test from 'ava';
import { findResource } from '../../../src/api/resources.js';
import { deleteObject } from '../../../src/apiserver/storage/delete.js';
import { objectKey } from '../../../src/apiserver/storage/codec.js';
import { Registry } from '../../../src/apiserver/storage/registry.js';
import { startDefaultServiceAccounts } from '../../../src/apiserver/wiring/default-serviceaccounts.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { FakeClock } from '../../../src/host/clock.js';
import { standInHooks, strategiesFor } from '../../helpers/apiserver-stand-ins.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ok())) await tick();
}
const hasAccount = (registry: Registry, ns: string) => registry.get(SERVICE_ACCOUNTS, ns, 'default').then(() => true, () => false);

test('namespaces that go are forgotten; one made again under the same name gets its account again', async (t) => {
  const store = new MemoryStore();
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(0), strategies: strategiesFor(store) });
  const accounts = startDefaultServiceAccounts(store, registry);
  t.teardown(async () => {
    await accounts.stop();
    await registry.close();
    await store.close();
  });
  await accounts.ready;
  const names = Array.from({ length: 20 }, (_, i) => `ns${i}`);
  for (const name of names) await registry.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await until(() => accounts.remembered === 20);
  for (const name of names) t.true(await hasAccount(registry, name), name);

  // Half are deleted through the API (Terminating: the lifecycle empties them), half leave the store outright.
  for (const name of names.slice(0, 10)) await deleteObject(registry, NAMESPACES, '', name);
  for (const name of names.slice(10)) await store.delete(objectKey(NAMESPACES, '', name));
  await until(() => accounts.remembered === 0);

  await store.delete(objectKey(SERVICE_ACCOUNTS, 'ns10', 'default'));
  await registry.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns10' } });
  await until(() => hasAccount(registry, 'ns10'));
  t.is(accounts.remembered, 1);
});
