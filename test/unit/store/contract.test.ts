import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/host/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/types.js';
import { storeContract } from '../../contract/store.case.js';

// The fakes' TTLs run on a FakeClock: "expire" steps it past the TTL and sweeps once.
const TTL = 3600;
const clocks = new WeakMap<Store, { clock: FakeClock; sweep: () => Promise<number> }>();
const expire = async (store: Store) => {
  const { clock, sweep } = clocks.get(store)!;
  clock.advance(TTL * 1000);
  await sweep();
};

storeContract(test, {
  name: 'memory',
  ttlSeconds: TTL,
  expire,
  open: async (t) => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock });
    clocks.set(store, { clock, sweep: () => store.sweepExpired() });
    t.teardown(() => store.close());
    return store;
  },
});

storeContract(test, {
  name: 'sqlite',
  ttlSeconds: TTL,
  expire,
  open: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-store-'));
    const clock = new FakeClock();
    const store = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false, sweep: false, clock });
    clocks.set(store, { clock, sweep: () => store.sweepExpired() });
    t.teardown(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    return store;
  },
});
