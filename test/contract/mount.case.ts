import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext, TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { ContractEnv } from './env.js';

export function mountContract(test: TestFn, env: ContractEnv): void {
  const { mounter } = env.host;
  const named = (title: string) => `${env.name} mount: ${title}`;

  /** A temp dir whose mounts are detached and files removed at the end, whatever happens. */
  async function scratch(t: ExecutionContext): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-mnt-'));
    t.teardown(async () => {
      for (const m of (await mounter.list(dir)).reverse()) await mounter.unmount(m.target, { detach: true }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    });
    return dir;
  }

  test(named('tmpfs with a size, listed, then unmounted; unmounting again is EINVAL'), async (t) => {
    const dir = await scratch(t);
    await mounter.tmpfs(dir, { size: '1m', mode: 0o755 });
    t.deepEqual((await mounter.list(dir)).map((m) => m.fstype), ['tmpfs']);
    await mounter.unmount(dir);
    t.deepEqual(await mounter.list(dir), []);
    t.is((await t.throwsAsync<HostError>(mounter.unmount(dir)))?.code, 'EINVAL');
  });

  test(named('recursive bind carries submounts; a busy unmount is EBUSY, detach takes it all'), async (t) => {
    const dir = await scratch(t);
    const [src, dst] = [join(dir, 'src'), join(dir, 'dst')];
    await Promise.all([mkdir(join(src, 'sub'), { recursive: true }), mkdir(dst)]);
    await mounter.tmpfs(join(src, 'sub'));
    await mounter.bind(src, dst, { recursive: true, propagation: 'rprivate', readonly: true });
    t.deepEqual((await mounter.list(dst)).map((m) => m.target), [dst, join(dst, 'sub')]);
    t.is((await t.throwsAsync<HostError>(mounter.unmount(dst)))?.code, 'EBUSY');
    await mounter.unmount(dst, { detach: true });
    t.deepEqual(await mounter.list(dst), []);
  });

  test(named('overlay of many lower dirs'), async (t) => {
    const dir = await scratch(t);
    const lowers = Array.from({ length: 40 }, (_, i) => join(dir, `layer-${String(i).padStart(3, '0')}-${'x'.repeat(80)}`));
    await Promise.all(lowers.map(async (l, i) => {
      await mkdir(l);
      await writeFile(join(l, `f${i}`), String(i));
    }));
    const [upper, work, merged] = ['upper', 'work', 'merged'].map((n) => join(dir, n)) as [string, string, string];
    await Promise.all([mkdir(upper), mkdir(work), mkdir(merged)]);
    await mounter.overlay(merged, { lower: lowers, upper, work });
    t.deepEqual((await mounter.list(merged)).map((m) => m.fstype), ['overlay']);
    await mounter.unmount(merged);
  });

  test(named('missing paths are ENOENT, bad options EINVAL'), async (t) => {
    const dir = await scratch(t);
    t.is((await t.throwsAsync<HostError>(mounter.tmpfs(join(dir, 'nope'))))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(mounter.bind(join(dir, 'nope'), dir)))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(mounter.tmpfs(dir, { size: 'lots' })))?.code, 'EINVAL');
    t.is((await t.throwsAsync<HostError>(mounter.overlay(dir, { lower: [dir] })))?.code, 'EINVAL');
    t.is((await t.throwsAsync<HostError>(mounter.bind('relative', dir)))?.code, 'EINVAL');
    t.is((await t.throwsAsync<HostError>(mounter.propagate(dir, 'sideways' as never)))?.code, 'EINVAL');
  });
}
