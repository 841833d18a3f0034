import type { ExecutionContext, TestFn } from 'ava';
import type { HostError } from '../../src/host/errors.js';
import type { Files } from '../../src/host/files/types.js';

/** A Files seam with a scratch directory it can change behind the seam's back. */
export interface FilesEnv {
  name: string;
  files: Files;
  /** A fresh empty directory, removed when the test ends. */
  scratch(t: ExecutionContext): Promise<string>;
  write(path: string, text: string, executable?: boolean): Promise<void>;
  mkdir(dir: string): Promise<void>;
}

export function filesContract(test: TestFn, env: FilesEnv): void {
  const { files } = env;
  const named = (title: string) => `${env.name} files: ${title}`;

  test(named('read, list, executable; ENOENT, EISDIR and ENOTDIR as the kernel says them'), async (t) => {
    const dir = await env.scratch(t);
    await env.write(`${dir}/a.conflist`, '{"name":"a"}');
    await env.write(`${dir}/plugin`, '#!/bin/sh\n', true);
    await env.mkdir(`${dir}/sub`);
    t.is(await files.readText(`${dir}/a.conflist`), '{"name":"a"}');
    t.deepEqual((await files.list(dir)).sort(), ['a.conflist', 'plugin', 'sub']);
    t.true(await files.executable(`${dir}/plugin`));
    t.false(await files.executable(`${dir}/a.conflist`));
    t.false(await files.executable(`${dir}/missing`));
    t.is((await t.throwsAsync<HostError>(files.readText(`${dir}/missing`)))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(files.readText(`${dir}/sub`)))?.code, 'EISDIR');
    t.is((await t.throwsAsync<HostError>(files.list(`${dir}/missing`)))?.code, 'ENOENT');
    t.is((await t.throwsAsync<HostError>(files.list(`${dir}/a.conflist`)))?.code, 'ENOTDIR');
  });

  test(named('a watch wakes on a write in the dir; watching a missing dir is ENOENT'), async (t) => {
    const dir = await env.scratch(t);
    await env.mkdir(`${dir}/conf`);
    let wakes = 0;
    let woken!: () => void;
    const wake = new Promise<void>((resolve) => { woken = resolve; });
    const w = files.watch(`${dir}/conf`, () => { wakes++; woken(); }, (err) => t.fail(err.message));
    t.teardown(() => w.close());
    await env.write(`${dir}/conf/10.conflist`, '{}');
    await wake;
    t.true(wakes >= 1);
    t.is(t.throws<HostError>(() => files.watch(`${dir}/missing`, () => {}, () => {}))?.code, 'ENOENT');
  });
}
