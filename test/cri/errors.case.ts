import { CriError, isNotFound } from '../../src/cri/errors.js';
import { uniq } from '../helpers/names.js';
import { podConfig, runPod, type RegisterCases } from './suite.js';

// Bad input and unknown ids, as the kubelet meets them: status calls answer NotFound
// (the kubelet reads that as "gone"), removals of what is gone succeed (idempotent), and
// requests without metadata are refused.
const unknownId = () => `${uniq('x')}${'0'.repeat(56)}`;

export const errorCases: RegisterCases = (test, fx) => {
  test('status calls for unknown ids answer NotFound', async (t) => {
    const { runtime } = fx().cri;
    for (const call of [
      runtime.podSandboxStatus({ podSandboxId: unknownId() }),
      runtime.containerStatus({ containerId: unknownId() }),
      runtime.containerStats({ containerId: unknownId() }),
      runtime.execSync({ containerId: unknownId(), cmd: ['true'] }),
    ]) {
      const err = await t.throwsAsync(call);
      t.true(isNotFound(err), String(err));
    }
  });

  test('removing unknown pods and containers succeeds; stopping them succeeds or answers NotFound', async (t) => {
    const { runtime } = fx().cri;
    await t.notThrowsAsync(runtime.removePodSandbox({ podSandboxId: unknownId() }));
    await t.notThrowsAsync(runtime.removeContainer({ containerId: unknownId() }));
    // The CRI says Stop is idempotent; the kubelet also accepts NotFound here, which is
    // what containerd 1.6 answers for an id it never knew.
    for (const call of [runtime.stopPodSandbox({ podSandboxId: unknownId() }), runtime.stopContainer({ containerId: unknownId(), timeout: 0 })]) {
      const err = await call.then(() => undefined, (e: unknown) => e);
      t.true(err === undefined || isNotFound(err), String(err));
    }
  });

  test('a pod or container config without metadata is refused', async (t) => {
    const { runtime } = fx().cri;
    const { metadata: _, ...noMetadata } = podConfig(fx());
    const podErr = await t.throwsAsync<CriError>(runtime.runPodSandbox({ config: noMetadata }));
    t.log(`${fx().name} RunPodSandbox without metadata: ${podErr?.kind}: ${podErr?.message}`);
    const pod = await runPod(t, fx());
    const ctrErr = await t.throwsAsync<CriError>(runtime.createContainer({ podSandboxId: pod.id, sandboxConfig: pod.config, config: { image: { image: fx().images.busybox } } }));
    t.log(`${fx().name} CreateContainer without metadata: ${ctrErr?.kind}: ${ctrErr?.message}`);
    t.deepEqual((await runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers, []);
  });

  test('CreateContainer in an unknown pod fails with NotFound', async (t) => {
    const { runtime } = fx().cri;
    const err = await t.throwsAsync(runtime.createContainer({
      podSandboxId: unknownId(), sandboxConfig: podConfig(fx()), config: { metadata: { name: 'c' }, image: { image: fx().images.busybox } },
    }));
    t.true(isNotFound(err), String(err));
  });
};
