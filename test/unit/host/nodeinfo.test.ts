import test from 'ava';
import { goArch, parseMeminfo, prettyName, statField } from '../../../src/host/nodeinfo/parse.js';
import { FakeNodeInfo } from '../../../src/host/nodeinfo/fake.js';
import { RealNodeInfo } from '../../../src/host/nodeinfo/real.js';
import { RealNetlink } from '../../../src/host/netlink/real.js';

test('meminfo: kB values in bytes, counters without a unit as they are', (t) => {
  const m = parseMeminfo('MemTotal:       16393236 kB\nMemFree:         1024 kB\nInactive(file):  2048 kB\nHugePages_Total:       0\n');
  t.is(m.get('MemTotal'), 16393236 * 1024);
  t.is(m.get('Inactive(file)'), 2048 * 1024);
  t.is(m.get('HugePages_Total'), 0);
});

test('os-release: PRETTY_NAME unquoted, with shell escapes; absent is undefined', (t) => {
  t.is(prettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  t.is(prettyName("PRETTY_NAME='Alpine Linux v3.19'"), 'Alpine Linux v3.19');
  t.is(prettyName('PRETTY_NAME=Plain'), 'Plain');
  t.is(prettyName('PRETTY_NAME="say \\"hi\\""'), 'say "hi"');
  t.is(prettyName('NAME=x'), undefined);
});

test('memory.stat fields and GOARCH names', (t) => {
  t.is(statField('cache 10\ntotal_inactive_file 4096\n', 'total_inactive_file'), 4096);
  t.is(statField('cache 10\n', 'total_inactive_file'), undefined);
  t.is(goArch('x64'), 'amd64');
  t.is(goArch('arm64'), 'arm64');
});

test('the fake: a path is on the filesystem of its longest mount point; a missing path is ENOENT', async (t) => {
  const f = new FakeNodeInfo();
  f.mounts.set('/var/lib', { capacityBytes: 10, availableBytes: 5, inodes: 1, inodesFree: 1 });
  t.is((await f.filesystem('/var/lib/skiff')).capacityBytes, 10);
  t.is((await f.filesystem('/var/library')).capacityBytes, 100 * 1024 ** 3);
  f.existing = new Set(['/x']);
  await t.throwsAsync(f.filesystem('/y'), { code: 'ENOENT' } as never);
});

test('the real machine: facts are plausible (no root needed)', async (t) => {
  const real = new RealNodeInfo(new RealNetlink());
  const m = await real.machine();
  t.regex(m.bootID, /^[0-9a-f-]{36}$/);
  t.true(m.cpus >= 1);
  t.true(m.memoryBytes > 0);
  t.is(m.operatingSystem, 'linux');
  t.is(await real.machine(), m, 'read once: the status loop does not re-read the machine every sync');
  const fs = await real.filesystem('/tmp');
  t.true(fs.capacityBytes >= fs.availableBytes && fs.availableBytes >= 0);
  const ws = await real.memoryWorkingSetBytes();
  t.true(ws > 0 && ws <= m.memoryBytes);
  await t.throwsAsync(real.filesystem('/nonexistent-skiff-path'), { code: 'ENOENT' } as never);
  for (const ip of await real.defaultRouteIPv4()) t.regex(ip, /^\d+\.\d+\.\d+\.\d+$/);
});
