import test from 'ava';
import type { HostError } from '../../../src/host/errors.js';
import { joinRel, parseProcCgroup, relSegments } from '../../../src/host/cgroups/paths.js';
import { checkResources, sharesToWeight, v1Writes, v2Writes } from '../../../src/host/cgroups/resources.js';
import { parseKeyed, parseLimit, v1Stats, v2Stats } from '../../../src/host/cgroups/stats.js';

// File contents as the kernel writes them: v1 read on this project's VMs, v2 in the layout
// of Documentation/admin-guide/cgroup-v2.rst (6.x kernels).
const V1_MEMORY_STAT = `cache 1617920
rss 1703936
rss_huge 0
shmem 0
mapped_file 0
dirty 20480
writeback 0
workingset_refault_anon 0
workingset_refault_file 391
swap 0
swapcached 0
pgpgin 14215
pgpgout 13404
pgfault 32562
pgmajfault 3
inactive_anon 1585152
active_anon 12288
inactive_file 1404928
active_file 212992
unevictable 0
hierarchical_memory_limit 9223372036854771712
hierarchical_memsw_limit 9223372036854771712
total_cache 2617920
total_rss 2703936
total_rss_huge 0
total_shmem 0
total_mapped_file 0
total_dirty 20480
total_writeback 0
total_workingset_refault_anon 0
total_workingset_refault_file 391
total_swap 0
total_swapcached 0
total_pgpgin 14215
total_pgpgout 13404
total_pgfault 42562
total_pgmajfault 4
total_inactive_anon 1585152
total_active_anon 12288
total_inactive_file 2404928
total_active_file 212992
total_unevictable 0
`;

const V2_MEMORY_STAT = `anon 4497408
file 12288000
kernel 1048576
kernel_stack 65536
pagetables 143360
sec_pagetables 0
percpu 0
sock 0
vmalloc 0
shmem 0
zswap 0
zswapped 0
file_mapped 5406720
file_dirty 0
file_writeback 0
swapcached 0
anon_thp 0
file_thp 0
shmem_thp 0
inactive_anon 4481024
active_anon 16384
inactive_file 8192000
active_file 4096000
unevictable 0
slab_reclaimable 500000
slab_unreclaimable 300000
slab 800000
workingset_refault_anon 0
workingset_refault_file 17
workingset_activate_anon 0
workingset_activate_file 0
workingset_restore_anon 0
workingset_restore_file 0
workingset_nodereclaim 0
pgscan 0
pgsteal 0
pgscan_kswapd 0
pgscan_direct 0
pgsteal_kswapd 0
pgsteal_direct 0
pgfault 12345
pgmajfault 12
pgrefill 0
pgactivate 0
pgdeactivate 0
pglazyfree 0
pglazyfreed 0
thp_fault_alloc 0
thp_collapse_alloc 0
`;

const V2_CPU_STAT = `usage_usec 1234567
user_usec 1000000
system_usec 234567
core_sched.force_idle_usec 0
nr_periods 10
nr_throttled 2
throttled_usec 5000
nr_bursts 0
burst_usec 0
`;

test('v1 stats: cpuacct.usage in ns, total_* counters (the subtree), working set without inactive file, unlimited as absent', (t) => {
  const s = v1Stats({
    'cpuacct.usage': '95497023459\n',
    'memory.usage_in_bytes': '5000000\n',
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.stat': V1_MEMORY_STAT,
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
    'pids.current': '7\n',
    'pids.max': 'max\n',
  });
  t.deepEqual(s, {
    cpu: { usageNanos: 95497023459n },
    memory: { usageBytes: 5000000, workingSetBytes: 5000000 - 2404928, rssBytes: 2703936, pageFaults: 42562, majorPageFaults: 4 },
    pids: { current: 7 },
    oomKills: 3,
  });
});

test('v1 stats: a set limit shows; a working set never goes negative; the pids root has no files', (t) => {
  const s = v1Stats({
    'cpuacct.usage': '0\n', 'memory.usage_in_bytes': '1000\n', 'memory.limit_in_bytes': '20971520\n', 'memory.stat': V1_MEMORY_STAT,
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
  });
  t.is(s.memory.limitBytes, 20971520);
  t.is(s.memory.workingSetBytes, 0);
  t.deepEqual(s.pids, { current: 0 });
});

test('v2 stats: usage_usec to ns, anon as rss, memory.events oom_kill, max as absent', (t) => {
  const s = v2Stats({
    'cpu.stat': V2_CPU_STAT,
    'memory.current': '20000000\n',
    'memory.max': 'max\n',
    'memory.stat': V2_MEMORY_STAT,
    'memory.events': 'low 0\nhigh 0\nmax 5\noom 2\noom_kill 1\noom_group_kill 0\n',
    'pids.current': '3\n',
    'pids.max': '100\n',
  });
  t.deepEqual(s, {
    cpu: { usageNanos: 1234567000n },
    memory: { usageBytes: 20000000, workingSetBytes: 20000000 - 8192000, rssBytes: 4497408, pageFaults: 12345, majorPageFaults: 12 },
    pids: { current: 3, limit: 100 },
    oomKills: 1,
  });
  t.is(v2Stats({ 'cpu.stat': '', 'memory.current': '0', 'memory.max': '1048576', 'memory.stat': '', 'memory.events': '', 'pids.current': '0', 'pids.max': 'max' }).memory.limitBytes, 1048576);
});

test('parsers: keyed files skip odd lines; limits; garbage is EINVAL', (t) => {
  t.deepEqual([...parseKeyed('a 1\n\nsome avg10=0.00 total=0\nb 2 3\nc 18446744073709551615\n')], [['a', 1n], ['c', 18446744073709551615n]]);
  t.is(parseLimit('max\n', 'x'), undefined);
  t.is(parseLimit('-1\n', 'x'), undefined);
  t.is(parseLimit('4096\n', 'x'), 4096);
  t.is(t.throws<HostError>(() => v2Stats({ 'cpu.stat': '', 'memory.current': 'lots', 'memory.max': 'max', 'memory.stat': '', 'memory.events': '', 'pids.current': '0', 'pids.max': 'max' }))?.code, 'EINVAL');
});

test('resources: v1 and v2 writes; cpu.max keeps the half not given; shares map onto weight like runc', (t) => {
  t.deepEqual(v1Writes({ cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, memoryLimit: -1, pidsLimit: -1, cpusetCpus: '0-1' }).map((w) => `${w.controller}/${w.file}=${w.value}`), [
    'cpuset/cpuset.cpus=0-1', 'memory/memory.limit_in_bytes=-1', 'cpu/cpu.shares=512', 'cpu/cpu.cfs_period_us=100000', 'cpu/cpu.cfs_quota_us=50000', 'pids/pids.max=max',
  ]);
  t.deepEqual(v2Writes({ cpuShares: 1024, memoryLimit: 1048576, pidsLimit: -1 }).map((w) => `${w.file}=${w.value}`), ['memory.max=1048576', 'cpu.weight=39', 'pids.max=max']);
  t.deepEqual(v2Writes({ cpuQuota: 25000 }, '50000 200000\n').map((w) => w.value), ['25000 200000']);
  t.deepEqual(v2Writes({ cpuPeriod: 10000 }, '50000 200000\n').map((w) => w.value), ['50000 10000']);
  t.deepEqual(v2Writes({ cpuQuota: -1 }).map((w) => w.value), ['max 100000']);
  t.deepEqual([2, 1024, 262144].map(sharesToWeight), [1, 39, 10000]);
  t.deepEqual(v2Writes({}), []);
});

test('resources: out-of-range values are EINVAL naming the field', (t) => {
  for (const [r, field] of [[{ cpuShares: 262145 }, 'cpuShares'], [{ cpuQuota: 0 }, 'cpuQuota'], [{ cpuPeriod: 2_000_000 }, 'cpuPeriod'], [{ memoryLimit: -2 }, 'memoryLimit'], [{ pidsLimit: 0 }, 'pidsLimit'], [{ cpusetMems: '0,' }, 'cpusetMems']] as const) {
    const err = t.throws<HostError>(() => checkResources(r));
    t.is(err?.code, 'EINVAL');
    t.true(err?.message.includes(field), err?.message);
  }
  t.notThrows(() => checkResources({ cpuShares: 2, cpuQuota: -1, cpuPeriod: 1000, memoryLimit: 1, pidsLimit: -1, cpusetCpus: '0-3,5', cpusetMems: '' }));
});

test('paths: relative names only; /proc/self/cgroup lines', (t) => {
  t.deepEqual(relSegments('a//b/'), ['a', 'b']);
  t.is(joinRel(['kubepods'], 'pod1/c1'), 'kubepods/pod1/c1');
  t.is(joinRel([], ''), '');
  for (const bad of ['/a', 'a/..', '.', 'a\0b']) t.is(t.throws<HostError>(() => relSegments(bad))?.code, 'EINVAL', bad);
  t.deepEqual(parseProcCgroup('9:name=systemd:/\n2:cpu,cpuacct:/a:b\n0::/x\n'), [
    { id: 9, controllers: ['name=systemd'], path: '/' },
    { id: 2, controllers: ['cpu', 'cpuacct'], path: '/a:b' },
    { id: 0, controllers: [], path: '/x' },
  ]);
});
