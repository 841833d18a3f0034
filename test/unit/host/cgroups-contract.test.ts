import test from 'ava';
import { FakeCgroups } from '../../../src/host/cgroups/fake.js';
import type { Cgroups } from '../../../src/host/cgroups/types.js';
import { cgroupsContract } from '../../contract/cgroups.case.js';
import { uniq } from '../../helpers/names.js';

// The cgroups contract against the kernel-model fake: no root needed.
for (const version of [1, 2] as const) {
  cgroupsContract(test, {
    name: `fake-v${version}`,
    fresh: async () => new FakeCgroups({ version, root: `skiff-test-${uniq()}` }),
    spawn: async (t, cg: Cgroups) => {
      const fake = cg as FakeCgroups;
      const pid = fake.spawn();
      t.teardown(() => fake.exit(pid));
      return {
        pid,
        work: async (bytes) => fake.work(pid, { cpuNanos: 1_000_000n, memoryBytes: bytes }),
        exited: async () => {
          if ((await fake.pids('')).includes(pid)) throw new Error(`fake process ${pid} still runs`);
        },
      };
    },
  });
}
