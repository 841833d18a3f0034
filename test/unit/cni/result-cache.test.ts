import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ResultCache, type CacheEntry } from '../../../src/cni/invoker/cache.js';

// The invoker's result cache on a temp dir (no root).

const entry = (containerId: string): CacheEntry => ({
  kind: 'cniCacheV1', containerId, ifName: 'eth0', networkName: 'pods', config: '', result: { cniVersion: '1.1.0' },
});

test('put makes the results dir on demand, again after it was removed, and leaves no temp file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-result-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cache = new ResultCache(join(dir, 'cni'));
  await cache.put(entry('c1'));
  await rm(join(dir, 'cni'), { recursive: true });
  await cache.put(entry('c2'));
  await cache.put(entry('c3'));
  t.deepEqual((await readdir(join(dir, 'cni', 'results'))).sort(), ['pods-c2-eth0', 'pods-c3-eth0']);
  t.deepEqual((await cache.get('pods', 'c2', 'eth0'))?.containerId, 'c2');
  t.deepEqual((await cache.list('pods')).map((e) => e.containerId).sort(), ['c2', 'c3']);
});

test('put fails as before when the cache dir cannot be made', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-result-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'file'), '');
  const cache = new ResultCache(join(dir, 'file', 'cni'));
  await t.throwsAsync(cache.put(entry('c1')), { code: 'ENOTDIR' });
});
