import test from 'ava';
import { isNotFound } from '../../src/cri/errors.js';
import type { CriFixture } from '../cri/fixtures.js';
import { exited, runPod, startContainer, waitContainer, waitForLog } from '../cri/suite.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

// `skiff cri --registries FILE` (dist/cli/skiff.js) on an air-gapped node: a pod that names
// registry.k8s.io/busybox runs from the node's own registry, which holds it as
// skiff-test/busybox, without a change to the pod. The runtime runs in its node netns with
// --disable-default-registry-endpoint: nothing may try registry.k8s.io itself.
const rt = rootOnly(test);
const IMAGE = 'registry.k8s.io/busybox:busybox';

if (isRoot) {
  let fixture: CriFixture | undefined;
  test.before(async () => {
    fixture = await startSkiffCri({
      registries: (registry) => `mirrors:\n  registry.k8s.io:\n    endpoint: ["http://${registry}"]\n    rewrite:\n      "^busybox$": "skiff-test/busybox"\n`,
    });
  });
  test.after.always(async () => {
    await fixture?.stop();
  });

  rt('a container of registry.k8s.io/busybox runs from the mirror; the image keeps its upstream name', async (t) => {
    const fx = fixture!;
    const pod = await runPod(t, fx);
    const id = await startContainer(t, fx, pod, { image: { image: IMAGE }, command: ['/bin/sh', '-c', 'echo from the mirror'] });
    t.is((await waitContainer(fx, id, exited)).exitCode, 0);
    await waitForLog(fx, id, 'from the mirror');
    const { image } = await fx.cri.image.imageStatus({ image: { image: IMAGE } });
    t.deepEqual(image?.repoTags, [IMAGE]);
    t.regex(image?.repoDigests[0] ?? '', /^registry\.k8s\.io\/busybox@sha256:/);
  });

  rt('an image the mirror lacks is NotFound, naming the mirror it asked', async (t) => {
    const err = await t.throwsAsync(fixture!.cri.image.pullImage({ image: { image: 'registry.k8s.io/pause:3.9' } }));
    t.regex(err?.message ?? '', new RegExp(`registry\\.k8s\\.io/pause manifests 3\\.9 from mirror http://${fixture!.registry.replace(/\./g, '\\.')}/v2/pause: HTTP 404`));
    t.true(isNotFound(err), String(err));
  });
}
