import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCriImages, Cleanup, type CriFixture, nodeNetns, pushCriImages, removeDir, startNodeRegistry } from '../test/cri/fixtures.js';
import { podConfig } from '../test/cri/suite.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { startSkiffCri } from '../test/helpers/skiff-cri.js';
import { bench, percentile, timed } from './report.js';

// A pod's life through the CRI, as the kubelet drives it: RunPodSandbox, CreateContainer and
// StartContainer of a cached image until the container runs, then StopPodSandbox +
// RemovePodSandbox. skiff cri against containerd 1.6 on the same machine in the same run:
// one node netns and one registry for both, rounds alternating between them.

const PODS = Number(process.env.BENCH_CRI_PODS ?? 30);
const STEPS = ['run_pod', 'create', 'start', 'total', 'teardown'] as const;
type Step = (typeof STEPS)[number];
type Samples = Record<Step, number[]>;

async function podRound(fx: CriFixture, samples?: Samples): Promise<void> {
  const { runtime } = fx.cri;
  const config = podConfig(fx);
  await mkdir(config.logDirectory!, { recursive: true });
  let podSandboxId = '';
  let containerId = '';
  const runPod = await timed(async () => {
    ({ podSandboxId } = await runtime.runPodSandbox({ config }));
  });
  const create = await timed(async () => {
    ({ containerId } = await runtime.createContainer({
      podSandboxId, sandboxConfig: config,
      config: { metadata: { name: 'app' }, image: { image: fx.images.busybox }, command: ['/bin/sleep', '3600'], logPath: 'app.log' },
    }));
  });
  const start = await timed(async () => {
    await runtime.startContainer({ containerId });
    while ((await runtime.containerStatus({ containerId })).status?.state !== 'CONTAINER_RUNNING') await new Promise((r) => setTimeout(r, 5));
  });
  const teardown = await timed(async () => {
    await runtime.stopPodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId });
  });
  if (!samples) return;
  samples.run_pod.push(runPod);
  samples.create.push(create);
  samples.start.push(start);
  samples.total.push(runPod + create + start);
  samples.teardown.push(teardown);
}

const empty = (): Samples => ({ run_pod: [], create: [], start: [], total: [], teardown: [] });

/** Image cached and first pod done (containerd pulls its sandbox image then) before measuring. */
async function warm(fx: CriFixture): Promise<void> {
  await fx.cri.image.pullImage({ image: { image: fx.images.busybox } });
  await podRound(fx);
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cri benchmark needs root');
  const cleanup = new Cleanup();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-cri-'));
  cleanup.push(() => removeDir(dir));
  try {
    const node = await nodeNetns(cleanup, 'bcri');
    const registry = await startNodeRegistry(cleanup, node, join(dir, 'registry'));
    const images = await pushCriImages(await buildCriImages(join(dir, 'images')), registry, node);
    const shared = { nodeNetns: node, registry, images };

    const peer = await startContainerd({ shared });
    cleanup.push(() => peer.stop());
    await warm(peer);
    let ours: CriFixture | undefined;
    let oursMissing = '';
    try {
      const skiff = await startSkiffCri({ shared });
      cleanup.push(() => skiff.stop());
      ours = skiff;
      await warm(skiff);
    } catch (err) {
      oursMissing = (err as Error).message;
      ours = undefined;
    }

    const samples = { ours: empty(), peer: empty() };
    for (let i = 0; i < PODS; i++) {
      await podRound(peer, samples.peer);
      if (!ours) continue;
      try {
        await podRound(ours, samples.ours);
      } catch (err) {
        oursMissing = `round ${i}: ${(err as Error).message}`;
        ours = undefined;
      }
    }

    const version = (await peer.cri.runtime.version({})).runtimeVersion;
    console.log(`cri: ${PODS} pods, each RunPodSandbox + CreateContainer + StartContainer (busybox, cached) until running, then StopPodSandbox + RemovePodSandbox`);
    if (ours) {
      for (const step of STEPS) {
        for (const p of [50, 99]) {
          bench({ name: `cri.${step}.p${p}`, unit: 'ms', ours: percentile(samples.ours[step], p), peer: percentile(samples.peer[step], p), peer_name: `containerd ${version}`, better: 'lower' });
        }
      }
    } else {
      // No ratio without both sides: the peer's numbers alone, and why ours are missing.
      for (const step of STEPS) {
        console.log(`cri: containerd ${version} ${step} p50 ${percentile(samples.peer[step], 50).toFixed(1)} ms, p99 ${percentile(samples.peer[step], 99).toFixed(1)} ms`);
      }
      console.log(`cri: skiff numbers missing (no BENCH lines): skiff cri failed: ${oursMissing}`);
    }
  } finally {
    await cleanup.run();
  }
}
