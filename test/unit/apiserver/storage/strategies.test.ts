// The strategy table and the registry's use of it: every key names a served resource, and a
// Service's allocation is settled by the outcome of each write attempt (kept when it lands,
// given back when a compare-and-swap round is lost or the object leaves the store).
import test from 'ava';
import { findResource, RESOURCES } from '../../../../src/api/resources.js';
import { ServiceAllocator } from '../../../../src/apiserver/alloc/index.js';
import { standInHooks } from '../../../helpers/apiserver-stand-ins.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { deleteObject } from '../../../../src/apiserver/storage/delete.js';
import { ensureDefaultNamespaces } from '../../../../src/apiserver/storage/namespaces.js';
import { Registry } from '../../../../src/apiserver/storage/registry.js';
import { STRATEGIES, Strategies, strategyKey } from '../../../../src/apiserver/storage/strategies/index.js';
import { MemoryStore } from '../../../../src/store/memory.js';

const SERVICES = findResource('', 'v1', 'services')!;

/** A MemoryStore where someone else writes a Service right before each of the first `races` updates of one. */
class RacyStore extends MemoryStore {
  races = 0;
  override async update(key: string, value: Buffer, expected: number): Promise<number> {
    // Only the objects' keys: the allocator's bitmaps live in this store too.
    if (this.races > 0 && key.startsWith('/registry/core/services/')) {
      this.races--;
      const current = (await this.get(key))!;
      await super.update(key, current.value, current.modRevision);
    }
    return super.update(key, value, expected);
  }
}

async function setup() {
  const store = new RacyStore();
  const allocator = new ServiceAllocator(store);
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(0), strategies: new Strategies({ serviceAllocator: allocator }) });
  await ensureDefaultNamespaces(registry);
  return { store, allocator, registry };
}

const nodePortService = (name: string, nodePort: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, ...extra },
  spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort }] },
});

test('every key of the strategy table names a served resource', (t) => {
  const served = new Set(RESOURCES.map(strategyKey));
  for (const key of STRATEGIES.keys()) t.true(served.has(key), key);
});

test('an update that loses a compare-and-swap round gives back what that round took, and the landed one frees what it gave up', async (t) => {
  const { store, allocator, registry } = await setup();
  const created: any = await registry.create(SERVICES, 'default', nodePortService('a', 30500));
  store.races = 1;
  const updated: any = await registry.update(SERVICES, 'default', 'a', { ...created, metadata: { ...created.metadata, resourceVersion: undefined }, spec: { ...created.spec, ports: [{ port: 80, protocol: 'TCP', nodePort: 30600 }] } });
  t.is(store.races, 0, 'the first round was lost');
  t.is(updated.spec.ports[0].nodePort, 30600, 'the second round took 30600 again: the first gave it back');
  t.deepEqual(await allocator.usage(), { clusterIPs: 1, nodePorts: 1 });
  await registry.create(SERVICES, 'default', nodePortService('b', 30500));
  t.pass('30500, given up by the update that landed, is free');
});

test('a Service whose last finalizer goes away after its delete frees its ClusterIP and NodePort', async (t) => {
  const { allocator, registry } = await setup();
  await registry.create(SERVICES, 'default', nodePortService('a', 30500, { finalizers: ['example.com/hold'] }));
  const { pending } = await deleteObject(registry, SERVICES, 'default', 'a');
  t.true(pending);
  t.deepEqual(await allocator.usage(), { clusterIPs: 1, nodePorts: 1 }, 'held while finalizers hold it');
  const marked = await registry.get(SERVICES, 'default', 'a');
  await registry.update(SERVICES, 'default', 'a', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  await t.throwsAsync(registry.get(SERVICES, 'default', 'a'), { message: /not found/ });
  t.deepEqual(await allocator.usage(), { clusterIPs: 0, nodePorts: 0 });
});

test('a dry-run create takes nothing; a create whose write fails gives back what it took', async (t) => {
  const { allocator, registry } = await setup();
  const dry: any = await registry.create(SERVICES, 'default', nodePortService('a', 30500), { dryRun: true });
  t.is(dry.spec.clusterIP, undefined);
  await registry.create(SERVICES, 'default', nodePortService('a', 30500));
  await t.throwsAsync(registry.create(SERVICES, 'default', nodePortService('a', 30501)), { message: /already exists/ });
  t.deepEqual(await allocator.usage(), { clusterIPs: 1, nodePorts: 1 });
});
