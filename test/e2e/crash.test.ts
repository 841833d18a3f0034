// kill -9 of `skiff server` in the middle of concurrent creates, on each backend: after a
// restart every create that was answered 201 is there, and the SQLite file passes
// integrity_check. Creates that were in flight at the kill may or may not have landed.
import test from 'ava';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { available, disposeServer, openBackend, type BackendName } from './backends.js';
import { clientsFor, configMap, unique } from './client-node-kit.js';

const WRITERS = 16;
const ACKED_BEFORE_KILL = 300;

for (const name of ['sqlite', 'etcd'] as BackendName[]) {
  if (!available(name)) {
    test(`SKIPPED: ${name} crash test: etcd-server is not installed`, (t) => t.pass());
    continue;
  }
  test(`${name}: every acknowledged create survives kill -9 mid-stream`, async (t) => {
    const backend = await openBackend(name);
    t.teardown(() => backend.close());
    const first = await backend.start();
    t.teardown(() => disposeServer(first, 'SIGKILL'));
    const { core } = clientsFor(first);
    const ns = unique('crash');
    await core.createNamespace({ body: { metadata: { name: ns } } });

    const acked = new Map<string, string>();
    let next = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed: Promise<void> | undefined;
    const writer = async () => {
      while (!killed) {
        const n = `c-${next++}`;
        inFlight++;
        try {
          const made = await core.createNamespacedConfigMap({ namespace: ns, body: configMap(n, { n }) });
          acked.set(n, made.metadata!.resourceVersion!);
        } catch {
          return; // the server is gone: this one may or may not have landed
        } finally {
          inFlight--;
        }
        if (acked.size >= ACKED_BEFORE_KILL && !killed) {
          inFlightAtKill = inFlight;
          killed = first.stop('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    await killed;
    t.true(inFlightAtKill > 0, 'the kill came while creates were in flight');

    if (name === 'sqlite') {
      const db = new Database(join(first.dir, 'state.db'));
      try {
        t.deepEqual(db.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        db.close();
      }
    }
    const second = await backend.start({ dir: first.dir });
    t.teardown(() => second.stop());
    const after = clientsFor(second).core;
    const list = await after.listNamespacedConfigMap({ namespace: ns });
    const present = new Map(list.items.map((cm) => [cm.metadata!.name!, cm]));
    const lost = [...acked.keys()].filter((n) => !present.has(n));
    t.deepEqual(lost, [], 'acknowledged creates missing after the restart');
    for (const [n, rv] of acked) t.is(present.get(n)?.data?.n, n, `${n}@${rv}`);
    // The revision goes on from where it was: a new write is newer than every acknowledged one.
    const newest = Math.max(...[...acked.values()].map(Number));
    const fresh = await after.createNamespacedConfigMap({ namespace: ns, body: configMap('after-restart') });
    t.true(Number(fresh.metadata!.resourceVersion) > newest);
  });
}
