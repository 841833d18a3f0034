import { exec, runPod, sleeper, startContainer, type RegisterCases } from './suite.js';

// cri-tools validate/container.go "runtime should support UpdateContainerResources": new
// limits on a running container, read back where the container sees them (cgroup v1 files
// the runtime mounts at /sys/fs/cgroup) and, where reported, in ContainerStatus.resources.
const MiB = 1024 * 1024;
const CGROUP_FILES = ['/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu/cpu.shares', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

export const updateResourceCases: RegisterCases = (test, fx) => {
  test('UpdateContainerResources changes cpu quota, shares and the memory limit of a running container', async (t) => {
    const pod = await runPod(t, fx());
    const before = { cpuPeriod: 100_000, cpuQuota: 50_000, cpuShares: 512, memoryLimitInBytes: 64 * MiB };
    const id = await startContainer(t, fx(), pod, sleeper(fx(), { linux: { resources: before } }));
    const read = async () => (await exec(fx(), id, ['cat', ...CGROUP_FILES])).stdout.split('\n').filter(Boolean).map(Number);
    t.deepEqual(await read(), [50_000, 512, 64 * MiB]);

    const after = { cpuPeriod: 100_000, cpuQuota: 20_000, cpuShares: 256, memoryLimitInBytes: 128 * MiB };
    await fx().cri.runtime.updateContainerResources({ containerId: id, linux: after });
    t.deepEqual(await read(), [20_000, 256, 128 * MiB]);

    const { status } = await fx().cri.runtime.containerStatus({ containerId: id });
    const reported = status?.resources?.linux;
    t.log(`${fx().name}: ContainerStatus.resources ${reported ? 'reported' : 'not reported'}`);
    if (reported) t.like(reported, { cpuQuota: '20000', cpuShares: '256', memoryLimitInBytes: String(128 * MiB) });
  });
};
