import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { confDirCache, loadConfDir } from '../../../src/cni/invoker/conflist.js';
import { eventually } from '../../helpers/names.js';

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
