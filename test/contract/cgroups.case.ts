import type { ExecutionContext, TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { Cgroups } from '../../src/host/cgroups/types.js';

/** A process a test places in cgroups; it starts outside all of skiff's. */
export interface Workload {
  pid: number;
  /**
   * Burns some CPU and allocates (and touches) `bytes` in whatever cgroup it is in now.
   * Resolves true when done, false if the process died doing it (OOM-killed).
   */
  work(bytes: number): Promise<boolean>;
  /** Resolves once the process has exited. */
  exited(): Promise<void>;
}

/** What the cgroups contract runs against: the fake, or the real host as root. */
export interface CgroupsContractEnv {
  name: string;
  /** A driver under a root unique to this test; the root and everything below it go at teardown. */
  fresh(t: ExecutionContext): Promise<Cgroups>;
  /** A new process for cg's cgroups, killed at teardown. */
  spawn(t: ExecutionContext, cg: Cgroups): Promise<Workload>;
}

const MiB = 1024 * 1024;

export function cgroupsContract(test: TestFn, env: CgroupsContractEnv): void {
  const named = (title: string) => `${env.name} cgroups: ${title}`;

  test(named('create is idempotent and nests; runcPath is relative; remove twice succeeds'), async (t) => {
    const cg = await env.fresh(t);
    await cg.create('pod1/ctr1');
    await cg.create('pod1/ctr1');
    await cg.create('pod1');
    for (const rel of ['', 'pod1', 'pod1/ctr1']) t.true(await cg.exists(rel), rel);
    t.false(await cg.exists('pod2'));
    t.regex(cg.runcPath('pod1/ctr1'), /^[^/].*\/pod1\/ctr1$/);
    await cg.remove('pod1');
    t.false(await cg.exists('pod1/ctr1'));
    t.false(await cg.exists('pod1'));
    t.true(await cg.exists(''));
    await cg.remove('pod1');
    t.deepEqual(await cg.pids('pod1'), []);
    await cg.kill('pod1');
  });

  test(named('bad names and bad resources are EINVAL, and create then makes nothing'), async (t) => {
    const cg = await env.fresh(t);
    for (const rel of ['/abs', '../up', 'a/../../b', 'a/./b']) {
      const err = await t.throwsAsync<HostError>(cg.create(rel), undefined, rel);
      t.is(err?.code, 'EINVAL', rel);
      t.true(err?.message.includes(rel), `error names ${rel}`);
    }
    for (const r of [{ cpuShares: 1 }, { cpuQuota: 10 }, { cpuPeriod: 10 }, { memoryLimit: 0 }, { pidsLimit: 1.5 }, { cpusetCpus: 'all' }]) {
      t.is((await t.throwsAsync<HostError>(cg.create('bad', r)))?.code, 'EINVAL', JSON.stringify(r));
    }
    t.false(await cg.exists('bad'));
  });

  test(named('a missing cgroup: stats, update and attach are ENOENT; pids empty; kill and remove succeed'), async (t) => {
    const cg = await env.fresh(t);
    t.is((await t.throwsAsync<HostError>(cg.stats('nope')))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(cg.update('nope', { pidsLimit: 5 })))?.code, 'ENOENT');
    const w = await env.spawn(t, cg);
    t.is((await t.throwsAsync<HostError>(cg.attach('nope', w.pid)))?.code, 'ENOENT');
    t.deepEqual(await cg.pids('nope'), []);
    await cg.kill('nope');
    await cg.remove('nope');
  });

  test(named('a process in a container cgroup: seen from the pod, remove is EBUSY until kill'), async (t) => {
    const cg = await env.fresh(t);
    await cg.create('pod/ctr');
    const w = await env.spawn(t, cg);
    t.deepEqual(await cg.pids('pod'), []);
    await cg.attach('pod/ctr', w.pid);
    t.deepEqual(await cg.pids('pod/ctr'), [w.pid]);
    t.deepEqual(await cg.pids('pod'), [w.pid]);
    t.is((await t.throwsAsync<HostError>(cg.remove('pod')))?.code, 'EBUSY');
    t.true(await cg.exists('pod/ctr'), 'a refused remove removes nothing');
    await cg.kill('pod');
    await w.exited();
    t.deepEqual(await cg.pids('pod'), []);
    await cg.remove('pod');
    await cg.remove('pod');
    t.false(await cg.exists('pod'));
  });

  test(named('stats count what the process used, in its cgroup and its parents'), async (t) => {
    const cg = await env.fresh(t);
    await cg.create('pod/ctr');
    const w = await env.spawn(t, cg);
    await cg.attach('pod/ctr', w.pid);
    t.true(await w.work(8 * MiB));
    for (const rel of ['pod/ctr', 'pod']) {
      const s = await cg.stats(rel);
      t.true(s.memory.usageBytes >= 8 * MiB, `${rel} usage ${s.memory.usageBytes}`);
      t.true(s.memory.workingSetBytes > 0 && s.memory.workingSetBytes <= s.memory.usageBytes, `${rel} working set ${s.memory.workingSetBytes}`);
      t.true(s.memory.pageFaults > 0, `${rel} page faults`);
      t.true(s.cpu.usageNanos > 0n, `${rel} cpu`);
      t.true(s.pids.current >= 1, `${rel} pids ${s.pids.current}`); // tasks: a process's threads count
      t.is(s.oomKills, 0);
      t.is(s.memory.limitBytes, undefined);
      t.is(s.pids.limit, undefined);
    }
  });

  test(named('limits show in stats; -1 lifts them'), async (t) => {
    const cg = await env.fresh(t);
    await cg.create('pod', { memoryLimit: 64 * MiB, pidsLimit: 20, cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000 });
    await cg.create('pod/ctr', { memoryLimit: 32 * MiB, pidsLimit: 10 });
    let s = await cg.stats('pod/ctr');
    t.is(s.memory.limitBytes, 32 * MiB);
    t.is(s.pids.limit, 10);
    t.is((await cg.stats('pod')).memory.limitBytes, 64 * MiB);
    await cg.update('pod/ctr', { memoryLimit: -1, pidsLimit: -1, cpuQuota: -1 });
    s = await cg.stats('pod/ctr');
    t.is(s.memory.limitBytes, undefined);
    t.is(s.pids.limit, undefined);
  });

  test(named('past its memory limit a process is OOM-killed and counted'), async (t) => {
    const cg = await env.fresh(t);
    await cg.create('pod/ctr', { memoryLimit: 20 * MiB });
    const w = await env.spawn(t, cg);
    await cg.attach('pod/ctr', w.pid);
    t.false(await w.work(64 * MiB), 'the process should not survive');
    await w.exited();
    t.deepEqual(await cg.pids('pod'), []);
    t.true((await cg.stats('pod/ctr')).oomKills >= 1);
    await cg.remove('pod');
  });
}
