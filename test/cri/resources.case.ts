import { exited, runPod, startContainer, waitContainer, type RegisterCases } from './suite.js';
import { eventually } from '../helpers/names.js';

// cri-tools validate/container.go (stats) and the kubelet's reading of OOM kills.
export const resourceCases: RegisterCases = (test, fx) => {
  test('a container over its memory limit is OOM-killed: reason OOMKilled', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, {
      image: { image: fx().images.busybox },
      // Doubles a shell string until the 16 MiB limit kills it; a second later, not at once:
      // containerd 1.6's shim can miss an OOM that comes before it watches the cgroup for one
      // (CI saw the reason stay Error), which is not what this case is about.
      command: ['/bin/sh', '-c', 'sleep 1; x=aaaaaaaa; while true; do x=$x$x; done'],
      linux: { resources: { memoryLimitInBytes: 16 * 1024 * 1024 } },
    });
    const s = await waitContainer(fx(), id, exited, 60_000);
    t.is(s.exitCode, 137);
    // Polled, as the kubelet does: containerd 1.6 can handle the shim's TaskOOM event after
    // TaskExit under load, so the reason turns from Error to OOMKilled a moment later.
    const oom = await waitContainer(fx(), id, (x) => x.reason === 'OOMKilled', 10_000).catch((err: Error) => err);
    t.false(oom instanceof Error, `reason stays ${s.reason}: ${(oom as Error).message}`);
  });

  test('ContainerStats and ListContainerStats: cpu and memory of a busy container are non-zero', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, {
      image: { image: fx().images.busybox },
      command: ['/bin/sh', '-c', 'x=0; while true; do x=$((x+1)); done'],
      // A fifth of a CPU: busy, without starving the tests around it.
      linux: { resources: { cpuPeriod: 100_000, cpuQuota: 20_000 } },
      labels: { stats: 'yes' },
    });
    const stats = await eventually(async () => {
      const { stats: s } = await fx().cri.runtime.containerStats({ containerId: id });
      if (!s || BigInt(s.cpu?.usageCoreNanoSeconds?.value ?? '0') === 0n) throw new Error(`no cpu usage yet: ${JSON.stringify(s)}`);
      return s;
    }, 30_000);
    t.is(stats.attributes?.id, id);
    t.is(stats.attributes?.metadata?.name, (await fx().cri.runtime.containerStatus({ containerId: id })).status?.metadata?.name);
    t.true(BigInt(stats.cpu!.timestamp) > 0n);
    t.true(BigInt(stats.memory?.workingSetBytes?.value ?? '0') > 0n, JSON.stringify(stats.memory));
    t.truthy(stats.writableLayer, 'writable layer usage reported');
    const listed = await fx().cri.runtime.listContainerStats({ filter: { id } });
    t.deepEqual(listed.stats.map((s) => s.attributes?.id), [id]);
    const byPod = await fx().cri.runtime.listContainerStats({ filter: { podSandboxId: pod.id, labelSelector: { stats: 'yes' } } });
    t.deepEqual(byPod.stats.map((s) => s.attributes?.id), [id]);
  });
};
