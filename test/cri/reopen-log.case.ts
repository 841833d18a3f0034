import { readFile, rename } from 'node:fs/promises';
import { eventually } from '../helpers/names.js';
import { runPod, startContainer, waitContainer, type RegisterCases } from './suite.js';

// cri-tools validate/container.go "runtime should support reopening container log": the
// kubelet rotates by renaming the file and asking the runtime to reopen; later output then
// lands in a fresh file at the log path, earlier output stays in the renamed one.
export const reopenLogCases: RegisterCases = (test, fx) => {
  test('ReopenContainerLog: after the log is renamed, new output lands in a fresh file at the log path', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, {
      image: { image: fx().images.busybox },
      command: ['/bin/sh', '-c', 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done'],
    });
    const { logPath } = await waitContainer(fx(), id, (s) => s.state === 'CONTAINER_RUNNING');
    const lines = async (path: string) => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    await eventually(async () => {
      if (!(await lines(logPath)).length) throw new Error('no output yet');
    }, 30_000);
    await rename(logPath, `${logPath}.1`);
    await fx().cri.runtime.reopenContainerLog({ containerId: id });
    const fresh = await eventually(async () => {
      const l = await lines(logPath);
      if (!l.length) throw new Error('nothing in the reopened log yet');
      return l;
    }, 30_000);
    t.true(fresh.every((l) => /^\S+ stdout F line \d+$/.test(l)), fresh.join('\n'));
    const old = await lines(`${logPath}.1`);
    const n = (l: string) => Number(/line (\d+)$/.exec(l)![1]);
    t.true(n(fresh[0]!) > n(old[0]!), 'the fresh file continues where the renamed one was');
  });

  test('ReopenContainerLog of a container that is not running fails', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, { image: { image: fx().images.busybox }, command: ['/bin/true'] });
    await waitContainer(fx(), id, (s) => s.state === 'CONTAINER_EXITED');
    const err = await t.throwsAsync(fx().cri.runtime.reopenContainerLog({ containerId: id }));
    t.log(`${fx().name}: ${(err as { kind?: string })?.kind}: ${err?.message}`);
  });
};
