// The whole path a controller takes: a shared informer feeds a workqueue by key, workers
// reconcile from the cache and write back through the typed client, against a real apiserver.
import test from 'ava';
import type { KubeObject } from '../../../src/api/types.js';
import { keyOf } from '../../../src/client/indexer.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { deletedKey } from '../../../src/client/informer.js';
import { realTimers } from '../../../src/client/timers.js';
import { runWorker, WorkQueue } from '../../../src/client/workqueue.js';
import { systemClock } from '../../../src/host/clock.js';
import { POD, podObject, startClientFixture } from './client-fixture.js';

type Pod = KubeObject & { status?: { message?: string } };

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

test('informer → workqueue → reconcile: every pod gets its status written once the cache shows it', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  const factory = new InformerFactory({ client, clock: systemClock, timers: realTimers });
  const informer = factory.informer<Pod>(POD, { namespace: 'default' });
  t.is(factory.informer<Pod>(POD, { namespace: 'default' }), informer); // shared
  t.not(factory.informer<Pod>(POD, { namespace: 'default', labelSelector: 'a=b' }), informer);
  const queue = new WorkQueue({ clock: systemClock, timers: realTimers });
  informer.addHandlers({ onAdd: (p) => queue.add(keyOf(p)), onUpdate: (_o, p) => queue.add(keyOf(p)) });
  const deleted: string[] = [];
  const reconcile = async (key: string) => {
    const pod = informer.store.get(key);
    if (!pod) {
      deleted.push(key);
      return;
    }
    if (pod.status?.message === 'reconciled') return;
    await pods.patch(pod.metadata.name ?? '', 'merge', { status: { message: 'reconciled' } }, { subresource: 'status' });
  };
  informer.addHandlers({ onDelete: (p) => queue.add(deletedKey(p)) });
  const workers = [runWorker(queue, reconcile), runWorker(queue, reconcile)];
  t.teardown(async () => {
    queue.shutDown();
    await factory.stop();
  });
  await pods.create(podObject('before'));
  factory.start();
  await factory.waitForSync();
  await pods.create(podObject('after-1'));
  await pods.create(podObject('after-2'));
  await until(async () => (await pods.list()).items.every((p) => p.status?.message === 'reconciled'));
  t.is((await pods.list()).items.length, 3);
  await pods.delete('after-1', { gracePeriodSeconds: 0 });
  await until(() => deleted.includes('default/after-1'));
  await queue.shutDownWithDrain();
  await Promise.all(workers);
});

test('indexes added to a shared informer cover what it already holds', async (t) => {
  const { client } = await startClientFixture(t);
  const pods = client.resource<Pod>(POD, 'default');
  await pods.create(podObject('x', { tier: 'web' }));
  const factory = new InformerFactory({ client, clock: systemClock, timers: realTimers });
  t.teardown(() => factory.stop());
  factory.start();
  const inf = factory.informer<Pod>(POD);
  await factory.waitForSync();
  const tier = (p: Pod) => (p.metadata.labels?.['tier'] ? [p.metadata.labels['tier']] : []);
  factory.informer<Pod>(POD, {}, new Map([['tier', tier]]));
  t.deepEqual(inf.store.byIndex('tier', 'web').map((p) => p.metadata.name), ['x']);
  t.throws(() => factory.informer<Pod>(POD, {}, new Map([['tier', () => []]])), { message: 'index "tier" already exists' });
});
