import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/store/memory.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import { storeContract } from '../../contract/store.case.js';

storeContract(test, {
  name: 'memory',
  open: async (t) => {
    const store = new MemoryStore();
    t.teardown(() => store.close());
    return store;
  },
});

storeContract(test, {
  name: 'sqlite',
  open: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-store-'));
    const store = new SqliteStore({ path: join(dir, 'state.db'), autoCompact: false });
    t.teardown(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    return store;
  },
});
