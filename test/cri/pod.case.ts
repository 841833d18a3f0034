import { isNotFound } from '../../src/cri/errors.js';
import { uniq } from '../helpers/names.js';
import { podConfig, runPod, type RegisterCases } from './suite.js';

// cri-tools validate/pod.go: the sandbox lifecycle, status and list filters.
export const podCases: RegisterCases = (test, fx) => {
  test('RunPodSandbox: READY, an IP on the pod network, metadata/labels/annotations round trip', async (t) => {
    const labels = { app: uniq('app'), tier: 'web' };
    const annotations = { 'skiff.test/note': 'kept as given' };
    const pod = await runPod(t, fx(), { labels, annotations });
    const { status } = await fx().cri.runtime.podSandboxStatus({ podSandboxId: pod.id });
    t.is(status?.id, pod.id);
    t.is(status?.state, 'SANDBOX_READY');
    t.like(status?.metadata, pod.config.metadata as object);
    t.deepEqual(status?.labels, labels);
    t.deepEqual(status?.annotations, annotations);
    t.true(BigInt(status!.createdAt) > 0n);
    const prefix = fx().podSubnet.split('.').slice(0, 3).join('.') + '.';
    t.true(status!.network!.ip.startsWith(prefix), `${status!.network!.ip} in ${fx().podSubnet}`);
  });

  test('ListPodSandbox filters by id, state and labels', async (t) => {
    const app = uniq('app');
    const [a, b] = [await runPod(t, fx(), { labels: { app, which: 'a' } }), await runPod(t, fx(), { labels: { app, which: 'b' } })];
    const { runtime } = fx().cri;
    const ids = async (filter: object) => (await runtime.listPodSandbox({ filter })).items.map((p) => p.id).sort();
    t.deepEqual(await ids({ id: a.id }), [a.id]);
    t.deepEqual(await ids({ labelSelector: { app } }), [a.id, b.id].sort());
    t.deepEqual(await ids({ labelSelector: { app, which: 'b' } }), [b.id]);
    await runtime.stopPodSandbox({ podSandboxId: a.id });
    t.deepEqual(await ids({ labelSelector: { app }, state: { state: 'SANDBOX_READY' } }), [b.id]);
    t.deepEqual(await ids({ labelSelector: { app }, state: { state: 'SANDBOX_NOTREADY' } }), [a.id]);
    const item = (await runtime.listPodSandbox({ filter: { id: b.id } })).items[0]!;
    t.like(item, { id: b.id, state: 'SANDBOX_READY', labels: { app, which: 'b' } });
    t.like(item.metadata, b.config.metadata as object);
  });

  test('StopPodSandbox and RemovePodSandbox succeed twice; the pod is then gone', async (t) => {
    const { runtime } = fx().cri;
    const config = podConfig(fx());
    const { podSandboxId } = await runtime.runPodSandbox({ config });
    t.teardown(() => runtime.removePodSandbox({ podSandboxId }).catch(() => {}));
    await runtime.stopPodSandbox({ podSandboxId });
    t.is((await runtime.podSandboxStatus({ podSandboxId })).status?.state, 'SANDBOX_NOTREADY');
    await runtime.stopPodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId });
    const err = await t.throwsAsync(runtime.podSandboxStatus({ podSandboxId }));
    t.true(isNotFound(err), String(err));
    t.deepEqual((await runtime.listPodSandbox({ filter: { id: podSandboxId } })).items, []);
  });
};
