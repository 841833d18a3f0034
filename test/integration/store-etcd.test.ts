import test from 'ava';
import { existsSync } from 'node:fs';
import { EtcdStore } from '../../src/store/etcd.js';
import { storeContract } from '../contract/store.case.js';
import { ETCD_BIN, startEtcd, type EtcdServer } from '../helpers/etcd.js';
import { uniq } from '../helpers/names.js';

// The contract against a real etcd 3.4 (no root needed, only the etcd-server package). One
// server for the file; each test gets its own key prefix (revisions are shared).

if (!existsSync(ETCD_BIN)) {
  test('SKIPPED: etcd-server is not installed (scripts/setup.sh installs it)', (t) => t.pass());
} else {
  let etcd: EtcdServer | undefined;
  test.before(async () => {
    etcd = await startEtcd();
  });
  test.after.always(async () => {
    await etcd?.stop();
  });

  storeContract(test, {
    name: 'etcd',
    // etcd's real clock: the shortest TTL it grants (its minimum is about 2 s), then a wait for
    // the lessor, which checks for expired leases every 500 ms.
    ttlSeconds: 2,
    expire: async (store, gone) => {
      await new Promise((r) => setTimeout(r, 2000));
      while (await store.get(gone)) await new Promise((r) => setTimeout(r, 200));
    },
    open: async (t) => {
      const store = new EtcdStore({ endpoints: [etcd!.endpoint], prefix: `/${uniq()}`, autoCompact: false });
      t.teardown(() => store.close());
      return store;
    },
  });

  test('etcd store: an unreachable etcd is unavailable', async (t) => {
    const store = new EtcdStore({ endpoints: ['http://127.0.0.1:1'], autoCompact: false });
    t.teardown(() => store.close());
    const err = await t.throwsAsync(store.get('/x'));
    t.is((err as { kind?: string }).kind, 'unavailable');
  });
}
