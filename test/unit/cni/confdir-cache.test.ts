import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { confDirCache, loadConfDir } from '../../../src/cni/invoker/conflist.js';
import { eventually } from '../../helpers/names.js';
import { FakeFiles } from '../../../src/host/files/fake.js';

// The runtime reads the CNI conf dir once and again only after it changed, as containerd does.

const conf = (name: string) => JSON.stringify({ cniVersion: '1.0.0', name, plugins: [{ type: 'skiff-loopback' }] });

test('the conf dir is loaded once, and again after a file in it changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-confcache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '10-a.conflist'), conf('first'));
  let loads = 0;
  const current = confDirCache(dir, async () => {
    loads++;
    return (await loadConfDir(dir)).lists[0]?.list.name;
  });
  t.is(await current(), 'first');
  t.is(await current(), 'first');
  t.is(loads, 1);
  await writeFile(join(dir, '10-a.conflist'), conf('second'));
  t.is(await eventually(async () => {
    const name = await current();
    if (name !== 'second') throw new Error(`still ${name}`);
    return name;
  }), 'second');
});

test('a conf dir that does not exist yet is read on every call', async (t) => {
  const dir = join(tmpdir(), `skiff-confcache-missing-${process.pid}-${Date.now()}`);
  let loads = 0;
  const current = confDirCache(dir, async () => ++loads);
  await current();
  await current();
  t.is(loads, 2);
});

test('over the Files seam: broken files reported, a .conf becomes a list of one, reloaded after a write only', async (t) => {
  const files = new FakeFiles();
  await files.mkdir('/etc/cni/net.d', { recursive: true });
  await files.write('/etc/cni/net.d/10-a.conflist', conf('first'));
  await files.write('/etc/cni/net.d/20-b.conf', JSON.stringify({ cniVersion: '1.0.0', name: 'single', type: 'skiff-loopback' }));
  await files.write('/etc/cni/net.d/30-c.json', '{');
  await files.write('/etc/cni/net.d/README', 'not a config');
  let loads = 0;
  const current = confDirCache('/etc/cni/net.d', async () => {
    loads++;
    return loadConfDir('/etc/cni/net.d', files);
  }, files);
  const first = await current();
  t.deepEqual(first.lists.map((l) => [l.list.name, l.list.plugins.length]), [['first', 1], ['single', 1]]);
  t.deepEqual(first.errors.map((e) => [e.file, e.error.code]), [['/etc/cni/net.d/30-c.json', 6]]);
  await current();
  t.is(loads, 1);
  await files.write('/etc/cni/net.d/10-a.conflist', conf('second'));
  t.is((await current()).lists[0]?.list.name, 'second');
  t.is(loads, 2);
  t.deepEqual(await loadConfDir('/etc/cni/missing', files), { lists: [], errors: [] });
});
