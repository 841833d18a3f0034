import { eventually, uniq } from '../helpers/names.js';
import { runPod, startContainer, type RegisterCases } from './suite.js';

// cri-tools validate/pod.go (PodSandboxStats, ListPodSandboxStats): a busy pod's cpu and
// memory, its containers' stats, and the list filters by id and label.
export const sandboxStatsCases: RegisterCases = (test, fx) => {
  test('PodSandboxStats and ListPodSandboxStats: a busy pod reports cpu, memory and its containers', async (t) => {
    const { runtime } = fx().cri;
    const app = uniq('stats');
    const pod = await runPod(t, fx(), { labels: { app } });
    const id = await startContainer(t, fx(), pod, {
      image: { image: fx().images.busybox },
      command: ['/bin/sh', '-c', 'x=0; while true; do x=$((x+1)); done'],
      // A fifth of a CPU: busy, without starving the tests around it.
      linux: { resources: { cpuPeriod: 100_000, cpuQuota: 20_000 } },
    });
    const stats = await eventually(async () => {
      const { stats: s } = await runtime.podSandboxStats({ podSandboxId: pod.id });
      if (!s || BigInt(s.linux?.cpu?.usageCoreNanoSeconds?.value ?? '0') === 0n) throw new Error(`no cpu usage yet: ${JSON.stringify(s)}`);
      if (!s.linux?.containers.some((c) => c.attributes?.id === id)) throw new Error(`container not in the stats yet: ${JSON.stringify(s)}`);
      return s;
    }, 30_000);
    t.log(`${fx().name}: ${JSON.stringify({ network: stats.linux?.network, process: stats.linux?.process })}`);
    t.is(stats.attributes?.id, pod.id);
    t.like(stats.attributes?.metadata, { name: pod.config.metadata!.name, uid: pod.config.metadata!.uid, namespace: pod.config.metadata!.namespace });
    t.is(stats.attributes?.labels?.app, app);
    t.true(BigInt(stats.linux!.cpu!.timestamp) > 0n);
    // containerd 1.6 leaves the pod's memory out (its cpu comes from the sandbox's cgroup).
    if (stats.linux?.memory) t.true(BigInt(stats.linux.memory.workingSetBytes?.value ?? '0') > 0n, JSON.stringify(stats.linux.memory));
    else t.log(`${fx().name}: no pod-level memory stats`);
    const ctr = stats.linux!.containers.find((c) => c.attributes?.id === id)!;
    t.true(BigInt(ctr.cpu?.usageCoreNanoSeconds?.value ?? '0') > 0n, JSON.stringify(ctr.cpu));

    const ids = async (filter: object) => (await runtime.listPodSandboxStats({ filter })).stats.map((s) => s.attributes?.id);
    t.deepEqual(await ids({ id: pod.id }), [pod.id]);
    t.deepEqual(await ids({ labelSelector: { app } }), [pod.id]);
    t.deepEqual(await ids({ labelSelector: { app: uniq('none') } }), []);
  });
};
