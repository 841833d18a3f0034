// The v1 and v2 drivers against temp dirs laid out like cgroup mounts. Plain directories are
// not cgroupfs (mkdir makes no interface files, rmdir refuses non-empty dirs), so these tests
// check placement, the files written and parsing; the kernel's behaviour is the integration
// tests' business.
import test, { type ExecutionContext } from 'ava';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HostError } from '../../../src/host/errors.js';
import { detectCgroups } from '../../../src/host/cgroups/detect.js';
import type { CgroupsV1 } from '../../../src/host/cgroups/v1.js';

async function layout(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cgfs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    // 'a/b/' is a directory, anything else a file.
    await mkdir(path.endsWith('/') ? join(dir, path) : dirname(join(dir, path)), { recursive: true });
    if (!path.endsWith('/')) await writeFile(join(dir, path), content);
  }
  return dir;
}

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');

async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(p, ...(e.isDirectory() ? await tree(dir, p) : []));
  }
  return out.sort();
}

const V1_PROC = '10:net_cls,net_prio:/\n9:name=systemd:/\n8:pids:/\n6:freezer:/\n4:memory:/process_api/abc\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n';
const v1Files = {
  'proc-cgroup': V1_PROC,
  'cg/cpu,cpuacct/cpu.shares': '1024\n',
  'cg/cpuset/cpuset.cpus': '0-1\n',
  'cg/cpuset/cpuset.mems': '0\n',
  'cg/memory/process_api/abc/memory.limit_in_bytes': '9223372036854771712\n',
  'cg/pids/': '', 'cg/freezer/': '', 'cg/systemd/': '', 'cg/unified/': '',
};

test('v1: detected without cgroup2 at the mount root; hierarchies that are mounted, own paths from /proc/self/cgroup', async (t) => {
  const dir = await layout(t, v1Files);
  const cg = (await detectCgroups({ root: 'kubepods', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') })) as CgroupsV1;
  t.is(cg.version, 1);
  t.deepEqual(cg.hierarchies.map((h) => [h.controllers.join(',') || 'unified', h.own.slice(dir.length)]), [
    ['name=systemd', '/cg/systemd'], ['pids', '/cg/pids'], ['freezer', '/cg/freezer'], ['memory', '/cg/memory/process_api/abc'],
    ['cpuset', '/cg/cpuset'], ['cpu,cpuacct', '/cg/cpu,cpuacct'], ['unified', '/cg/unified'],
  ]);
  t.is(cg.runcPath('pod1/c1'), 'kubepods/pod1/c1');
});

test('v1: create nests under the own cgroup in each hierarchy, copies cpuset from the parent, writes limits', async (t) => {
  const dir = await layout(t, v1Files);
  const cg = await detectCgroups({ root: 'kubepods', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') });
  const before = await tree(dir);
  await cg.create('pod1/c1', { memoryLimit: 1 << 20, cpuShares: 512, cpuQuota: 20000, cpuPeriod: 100000, pidsLimit: 9 });
  await cg.create('pod1/c1');
  const made = (await tree(dir)).filter((p) => !before.includes(p) && !p.includes('.'));
  t.deepEqual(made, ['cpu,cpuacct', 'cpuset', 'freezer', 'memory/process_api/abc', 'pids', 'systemd', 'unified'].flatMap((h) => [`cg/${h}/kubepods`, `cg/${h}/kubepods/pod1`, `cg/${h}/kubepods/pod1/c1`]).sort());
  for (const level of ['kubepods', 'kubepods/pod1', 'kubepods/pod1/c1']) {
    t.is(await read(dir, `cg/cpuset/${level}/cpuset.cpus`), '0-1');
    t.is(await read(dir, `cg/cpuset/${level}/cpuset.mems`), '0');
  }
  const c1 = (h: string, f: string) => read(dir, `cg/${h}/kubepods/pod1/c1/${f}`);
  t.is(await c1('memory/process_api/abc', 'memory.limit_in_bytes'), '1048576');
  t.is(await c1('cpu,cpuacct', 'cpu.shares'), '512');
  t.is(await c1('cpu,cpuacct', 'cpu.cfs_quota_us'), '20000');
  t.is(await c1('pids', 'pids.max'), '9');
  // Nothing above the own cgroup: the memory hierarchy's top holds only what was laid out.
  t.deepEqual(await readdir(join(dir, 'cg/memory')), ['process_api']);
});

test('v1: stats read cpuacct, memory and pids files; remove is EBUSY while any hierarchy lists a process', async (t) => {
  const dir = await layout(t, {
    ...v1Files,
    'cg/cpu,cpuacct/r/p/cpuacct.usage': '5000\n',
    'cg/memory/process_api/abc/r/p/memory.usage_in_bytes': '4096000\n',
    'cg/memory/process_api/abc/r/p/memory.limit_in_bytes': '20971520\n',
    'cg/memory/process_api/abc/r/p/memory.stat': 'total_rss 100\ntotal_inactive_file 96000\ntotal_pgfault 7\ntotal_pgmajfault 1\n',
    'cg/memory/process_api/abc/r/p/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    'cg/pids/r/p/pids.current': '1\n',
    'cg/pids/r/p/pids.max': 'max\n',
    'cg/pids/r/p/c/cgroup.procs': '4242\n',
  });
  const cg = await detectCgroups({ root: 'r', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') });
  t.deepEqual(await cg.stats('p'), {
    cpu: { usageNanos: 5000n },
    memory: { usageBytes: 4096000, workingSetBytes: 4000000, rssBytes: 100, pageFaults: 7, majorPageFaults: 1, limitBytes: 20971520 },
    pids: { current: 1 },
    oomKills: 2,
  });
  t.deepEqual(await cg.pids('p'), [4242]);
  t.is((await t.throwsAsync<HostError>(cg.remove('p')))?.code, 'EBUSY');
  t.is(await read(dir, 'cg/pids/r/p/c/cgroup.procs'), '4242\n', 'nothing removed');
  t.is((await t.throwsAsync<HostError>(cg.stats('gone')))?.code, 'ENOENT');
});

test('v1: a required controller not mounted is ENODEV; a bad root is EINVAL', async (t) => {
  const { 'cg/memory/process_api/abc/memory.limit_in_bytes': _, ...noMemory } = v1Files;
  const dir = await layout(t, noMemory);
  const err = await t.throwsAsync<HostError>(detectCgroups({ root: 'r', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') }));
  t.is(err?.code, 'ENODEV');
  t.true(err?.message.includes('memory'));
  t.is((await t.throwsAsync<HostError>(detectCgroups({ root: '../r', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') })))?.code, 'EINVAL');
});

const v2Files = {
  'proc-cgroup': '0::/skiff.slice\n',
  'cg/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
  'cg/cgroup.subtree_control': 'cpuset cpu io memory pids\n',
  'cg/skiff.slice/cgroup.controllers': 'cpu io memory pids\n',
  'cg/skiff.slice/cgroup.subtree_control': 'io\n',
  // What the kernel would show in the root skiff's cgroups go under, once cpu, memory and pids reach it.
  'cg/skiff.slice/kubepods/cgroup.controllers': 'cpu memory pids\n',
};

test('v2: create enables controllers on the way down from the own cgroup, never above it, and writes limits', async (t) => {
  const dir = await layout(t, v2Files);
  const cg = await detectCgroups({ root: 'kubepods', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') });
  t.is(cg.version, 2);
  await cg.create('pod1/c1', { memoryLimit: 1 << 20, cpuShares: 1024, pidsLimit: 5, cpusetCpus: '0' });
  t.is(await read(dir, 'cg/cgroup.subtree_control'), 'cpuset cpu io memory pids\n', 'the mount root is above the own cgroup');
  t.is(await read(dir, 'cg/skiff.slice/cgroup.subtree_control'), '+cpu +memory +pids', 'only what the own cgroup has and lacks');
  t.is(await read(dir, 'cg/skiff.slice/kubepods/cgroup.subtree_control'), '+cpu +memory +pids');
  const c1 = (f: string) => read(dir, `cg/skiff.slice/kubepods/pod1/c1/${f}`);
  t.deepEqual(await Promise.all(['memory.max', 'cpu.weight', 'pids.max', 'cpuset.cpus'].map(c1)), ['1048576', '39', '5', '0']);
  // Idempotent: enabled controllers are not written again.
  await writeFile(join(dir, 'cg/skiff.slice/cgroup.subtree_control'), 'io cpu memory pids\n');
  await cg.create('pod1/c1');
  t.is(await read(dir, 'cg/skiff.slice/cgroup.subtree_control'), 'io cpu memory pids\n');
  // cpu.max keeps the half an update leaves out.
  await writeFile(join(dir, 'cg/skiff.slice/kubepods/pod1/c1/cpu.max'), 'max 100000\n');
  await cg.update('pod1/c1', { cpuQuota: 50000 });
  t.is(await c1('cpu.max'), '50000 100000');
  await cg.update('pod1/c1', { cpuPeriod: 200000 });
  t.is(await c1('cpu.max'), '50000 200000');
});

test('v2: stats from one directory; pids below; EBUSY; kill of an empty cgroup writes nothing', async (t) => {
  const dir = await layout(t, {
    ...v2Files,
    'cg/skiff.slice/r/p/cpu.stat': 'usage_usec 7\nuser_usec 5\nsystem_usec 2\n',
    'cg/skiff.slice/r/p/memory.current': '8192\n',
    'cg/skiff.slice/r/p/memory.max': 'max\n',
    'cg/skiff.slice/r/p/memory.stat': 'anon 4096\ninactive_file 4096\npgfault 3\npgmajfault 0\n',
    'cg/skiff.slice/r/p/memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
    'cg/skiff.slice/r/p/pids.current': '2\n',
    'cg/skiff.slice/r/p/pids.max': '10\n',
    'cg/skiff.slice/r/p/c/cgroup.procs': '11\n12\n',
    'cg/skiff.slice/r/q/cgroup.procs': '',
  });
  const cg = await detectCgroups({ root: 'r', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') });
  t.deepEqual(await cg.stats('p'), {
    cpu: { usageNanos: 7000n },
    memory: { usageBytes: 8192, workingSetBytes: 4096, rssBytes: 4096, pageFaults: 3, majorPageFaults: 0 },
    pids: { current: 2, limit: 10 },
    oomKills: 0,
  });
  t.deepEqual(await cg.pids(''), [11, 12]);
  t.is((await t.throwsAsync<HostError>(cg.remove('p')))?.code, 'EBUSY');
  await cg.kill('q');
  t.deepEqual(await readdir(join(dir, 'cg/skiff.slice/r/q')), ['cgroup.procs']);
});

test('an empty root: skiff\'s own cgroup is never created in, limited, killed or removed', async (t) => {
  for (const files of [v1Files, v2Files]) {
    const dir = await layout(t, files);
    const cg = await detectCgroups({ root: '', mountRoot: join(dir, 'cg'), procSelfCgroup: join(dir, 'proc-cgroup') });
    for (const op of [() => cg.create(''), () => cg.update('', { pidsLimit: 1 }), () => cg.kill(''), () => cg.remove(''), () => cg.attach('', 1)]) {
      t.is((await t.throwsAsync<HostError>(op()))?.code, 'EINVAL');
    }
    t.is(cg.runcPath('pod'), 'pod');
  }
});
