// Events expire on etcd too (issue 19): the registry writes them with the store TTL, etcd's
// lease runs out and etcd deletes the key itself; the apiserver's watch sees DELETED and other
// kinds stay. etcd's real clock (its shortest lease is about 2 s), so the test waits for the
// event rather than for a time. Needs etcd-server, not root.
import test from 'ava';
import { existsSync } from 'node:fs';
import { findResource } from '../../src/api/resources.js';
import { ServiceAllocator } from '../../src/apiserver/alloc/index.js';
import { ensureDefaultNamespaces } from '../../src/apiserver/storage/namespaces.js';
import { Registry } from '../../src/apiserver/storage/registry.js';
import { Strategies } from '../../src/apiserver/storage/strategies/index.js';
import { openWatch, type WatchOut } from '../../src/apiserver/storage/watch.js';
import { systemClock } from '../../src/host/clock.js';
import { EtcdStore } from '../../src/store/etcd.js';
import { standInHooks } from '../helpers/apiserver-stand-ins.js';
import { ETCD_BIN, startEtcd } from '../helpers/etcd.js';
import { uniq } from '../helpers/names.js';

const EVENTS = findResource('', 'v1', 'events')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

if (!existsSync(ETCD_BIN)) {
  test('SKIPPED: etcd-server is not installed (scripts/setup.sh installs it)', (t) => t.pass());
} else {
  test('etcd: an Event is deleted by its lease and watchers see DELETED; a ConfigMap stays', async (t) => {
    const etcd = await startEtcd();
    t.teardown(() => etcd.stop());
    const store = new EtcdStore({ endpoints: [etcd.endpoint], prefix: `/${uniq()}`, autoCompact: false });
    const registry = new Registry({
      store, hooks: standInHooks(), clock: systemClock,
      strategies: new Strategies({ serviceAllocator: new ServiceAllocator(store), eventTtlSeconds: 2 }),
    });
    const abort = new AbortController();
    t.teardown(async () => {
      abort.abort();
      await registry.close();
      await store.close();
    });
    await ensureDefaultNamespaces(registry);
    await registry.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
    const made = await registry.create(EVENTS, 'default', {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', message: 'started',
    });
    const watch = openWatch(registry, EVENTS, 'default', { resourceVersion: made.metadata.resourceVersion }, abort.signal)[Symbol.asyncIterator]();
    const deleted = (await watch.next()).value as WatchOut;
    t.like(deleted, { type: 'DELETED', object: { metadata: { name: 'e' } } });
    t.is((await registry.list(EVENTS, 'default', {})).items.length, 0);
    t.like(await registry.get(CONFIGMAPS, 'default', 'cm'), { data: { a: '1' } });
  });
}
