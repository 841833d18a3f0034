import type { TestFn } from 'ava';
import type { CriFixture } from './fixtures.js';
import { exec, exited, runPod, sleeper, startContainer, waitContainer } from './suite.js';

// Restart safety: what the runtime ran before a restart (graceful or SIGKILL) is still
// known, still running, and still controllable after it. Each case restarts a runtime of
// its own, so it never disturbs the parallel cases on the shared fixture.
export function restartCases(test: TestFn, start: () => Promise<CriFixture>): void {
  for (const kill9 of [false, true]) {
    test(`after a restart (${kill9 ? 'SIGKILL' : 'SIGTERM'}) pods and containers are still there and controllable`, async (t) => {
      const fx = await start();
      t.teardown(() => fx.stop());
      const pod = await runPod(t, fx);
      const running = await startContainer(t, fx, pod, sleeper(fx));
      const done = await startContainer(t, fx, pod, { image: { image: fx.images.busybox }, command: ['/bin/sh', '-c', 'exit 4'] });
      await waitContainer(fx, done, exited);
      const before = (await fx.cri.runtime.podSandboxStatus({ podSandboxId: pod.id })).status!;

      await fx.restart!(kill9);

      const after = (await fx.cri.runtime.podSandboxStatus({ podSandboxId: pod.id })).status!;
      t.is(after.state, 'SANDBOX_READY');
      t.is(after.network?.ip, before.network?.ip);
      t.is(after.createdAt, before.createdAt);
      t.like((await fx.cri.runtime.containerStatus({ containerId: running })).status, { state: 'CONTAINER_RUNNING' });
      t.like((await fx.cri.runtime.containerStatus({ containerId: done })).status, { state: 'CONTAINER_EXITED', exitCode: 4 });
      t.like(await exec(fx, running, ['echo', 'alive']), { stdout: 'alive\n', exitCode: 0 });
      await fx.cri.runtime.stopContainer({ containerId: running, timeout: 0 });
      t.like((await fx.cri.runtime.containerStatus({ containerId: running })).status, { state: 'CONTAINER_EXITED' });
      const second = await runPod(t, fx);
      t.not((await fx.cri.runtime.podSandboxStatus({ podSandboxId: second.id })).status?.network?.ip, after.network?.ip, 'no IP handed out twice');
      await fx.cri.runtime.stopPodSandbox({ podSandboxId: pod.id });
      await fx.cri.runtime.removePodSandbox({ podSandboxId: pod.id });
      t.deepEqual((await fx.cri.runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers, []);
    });
  }
}
