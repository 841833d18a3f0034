// Events expire (issue 19, kube-apiserver's --event-ttl): every write of a core/v1 or
// events.k8s.io/v1 Event sets the store TTL, so it disappears that long after its last write
// and watchers see DELETED; no other kind ever expires. On the memory and SQLite stores, by an
// injected clock (the test steps it, then sweeps: no timers, no waiting).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { findResource } from '../../../../src/api/resources.js';
import { ServiceAllocator } from '../../../../src/apiserver/alloc/index.js';
import { ensureDefaultNamespaces } from '../../../../src/apiserver/storage/namespaces.js';
import { Registry } from '../../../../src/apiserver/storage/registry.js';
import { Strategies } from '../../../../src/apiserver/storage/strategies/index.js';
import { openWatch, type WatchOut } from '../../../../src/apiserver/storage/watch.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { SqliteStore } from '../../../../src/store/sqlite.js';
import { standInHooks } from '../../../helpers/apiserver-stand-ins.js';

const CORE_EVENTS = findResource('', 'v1', 'events')!;
const NEW_EVENTS = findResource('events.k8s.io', 'v1', 'events')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const TTL = 3600;

type Backend = { name: string; open(t: ExecutionContext, clock: FakeClock): Promise<MemoryStore | SqliteStore> };

const backends: Backend[] = [
  { name: 'memory', open: async (_t, clock) => new MemoryStore({ clock }) },
  {
    name: 'sqlite',
    async open(t, clock) {
      const dir = await mkdtemp(join(tmpdir(), 'skiff-event-ttl-'));
      t.teardown(() => rm(dir, { recursive: true, force: true }));
      return new SqliteStore({ path: join(dir, 'state.db'), clock, autoCompact: false, sweep: false });
    },
  },
];

async function setup(t: ExecutionContext, backend: Backend, eventTtlSeconds = TTL) {
  const clock = new FakeClock();
  const store = await backend.open(t, clock);
  const registry = new Registry({ store, hooks: standInHooks(), clock, strategies: new Strategies({ serviceAllocator: new ServiceAllocator(store), eventTtlSeconds }) });
  t.teardown(async () => {
    await registry.close();
    await store.close();
  });
  await ensureDefaultNamespaces(registry);
  return { clock, store, registry };
}

const coreEvent = (name: string) => ({
  apiVersion: 'v1', kind: 'Event', metadata: { name },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', message: 'started', type: 'Normal',
});
const newEvent = (name: string) => ({
  apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name },
  regarding: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', note: 'started', type: 'Normal',
  eventTime: '2026-01-01T00:00:00.000000Z', action: 'Start', reportingController: 'kubelet', reportingInstance: 'n1',
});
const names = async (reg: Registry) => (await reg.list(CORE_EVENTS, 'default', {})).items.map((e) => e.metadata.name).sort();

/** The next `n` events of a watch. */
async function take(it: AsyncIterator<WatchOut>, n: number): Promise<WatchOut[]> {
  const out: WatchOut[] = [];
  while (out.length < n) out.push((await it.next()).value as WatchOut);
  return out;
}

for (const backend of backends) {
  test(`${backend.name}: Events of both APIs disappear after --event-ttl and a watcher sees DELETED; ConfigMaps stay`, async (t) => {
    const { clock, store, registry } = await setup(t, backend);
    const made = await registry.create(CORE_EVENTS, 'default', coreEvent('core'));
    await registry.create(NEW_EVENTS, 'default', newEvent('new'));
    await registry.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const watch = openWatch(registry, CORE_EVENTS, 'default', { resourceVersion: made.metadata.resourceVersion }, abort.signal)[Symbol.asyncIterator]();
    const [added] = await take(watch, 1);
    t.like(added, { type: 'ADDED', object: { metadata: { name: 'new' } } });

    clock.advance((TTL - 1) * 1000);
    t.is(await store.sweepExpired(), 0);
    t.deepEqual(await names(registry), ['core', 'new']);

    clock.advance(1000);
    t.is(await store.sweepExpired(), 2);
    t.deepEqual(await names(registry), []);
    const deleted = await take(watch, 2);
    t.deepEqual(deleted.map((e) => [e.type, e.object.metadata.name]).sort(), [['DELETED', 'core'], ['DELETED', 'new']]);
    // Other kinds never expire, however far the clock goes.
    clock.advance(100 * TTL * 1000);
    t.is(await store.sweepExpired(), 0);
    t.like(await registry.get(CONFIGMAPS, 'default', 'cm'), { data: { a: '1' } });
  });

  test(`${backend.name}: each write of an Event restarts its TTL`, async (t) => {
    const { clock, store, registry } = await setup(t, backend);
    await registry.create(CORE_EVENTS, 'default', coreEvent('e'));
    clock.advance((TTL - 10) * 1000);
    await registry.guaranteedUpdate(CORE_EVENTS, 'default', 'e', {}, (cur) => ({ ...cur, count: 2 }), 'Update');
    clock.advance(20 * 1000);
    t.is(await store.sweepExpired(), 0);
    t.deepEqual(await names(registry), ['e']);
    clock.advance(TTL * 1000);
    t.is(await store.sweepExpired(), 1);
    t.deepEqual(await names(registry), []);
  });
}

test('--event-ttl 0: Events stay, as upstream with a zero TTL', async (t) => {
  const { clock, store, registry } = await setup(t, backends[0]!, 0);
  await registry.create(CORE_EVENTS, 'default', coreEvent('e'));
  clock.advance(365 * 24 * 3600 * 1000);
  t.is(await store.sweepExpired(), 0);
  t.deepEqual(await names(registry), ['e']);
});
