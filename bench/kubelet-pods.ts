// The kubelet bench's API side, run by bench/kubelet.ts inside the node's netns (where the
// apiserver listens): `BENCH_KUBELET_ARGS='<json Args>' node --import tsx bench/kubelet-pods.ts`. Waits for the Node
// to be Ready and prints when it saw that, then creates PODS pods bound to the node one after
// another (after a line on stdin), each timed from the create call to the watch event that shows it Running, and prints
// the samples as one JSON line. One watch for all pods, opened before the first create, so a
// pod's Running cannot be missed between its create and a later watch.
import type { Node, Pod } from '../src/api/types.js';
import { Client } from '../src/client/client.js';
import { systemClock } from '../src/host/clock.js';
import { realFiles } from '../src/host/files/real.js';

interface Args { kubeconfig: string; nodeName: string; image: string; pods: number }

const args = JSON.parse(process.env.BENCH_KUBELET_ARGS ?? '{}') as Args;
const client = await Client.fromKubeconfig({ files: realFiles, clock: systemClock }, args.kubeconfig);
const nodes = client.resource<Node>({ group: '', version: 'v1', plural: 'nodes' });
const pods = client.resource<Pod>({ group: '', version: 'v1', plural: 'pods' }, 'default');
const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** Resolves with the wall-clock ms at which the first object satisfying done was seen. */
async function watchUntil<T extends Node | Pod>(list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>, watch: (rv: string | undefined, signal: AbortSignal) => AsyncGenerator<{ type: string; object: T }>, done: (o: T) => boolean): Promise<number> {
  for (;;) {
    const first = await list().catch(() => undefined);
    if (first?.items.some(done)) return systemClock.now();
    const abort = new AbortController();
    try {
      for await (const ev of watch(first?.metadata?.resourceVersion, abort.signal)) if (ev.type !== 'BOOKMARK' && done(ev.object)) return systemClock.now();
    } catch {
      // The apiserver may not serve the Node yet, or the watch expired: list again.
    } finally {
      abort.abort();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyAt = await watchUntil<Node>(
  () => nodes.list({ fieldSelector: `metadata.name=${args.nodeName}` }),
  (rv, signal) => nodes.watch({ fieldSelector: `metadata.name=${args.nodeName}`, ...(rv ? { resourceVersion: rv } : {}), signal }),
  ready,
);
console.log(JSON.stringify({ readyAt }));
// The bench reads the idle node's memory now; any line on stdin says it is done.
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();

const pending = new Map<string, (at: number) => void>();
const abort = new AbortController();
const list = await pods.list({ fieldSelector: `spec.nodeName=${args.nodeName}` });
const watching = (async () => {
  for await (const ev of pods.watch({ fieldSelector: `spec.nodeName=${args.nodeName}`, resourceVersion: list.metadata?.resourceVersion ?? '0', signal: abort.signal })) {
    const name = ev.object.metadata.name ?? '';
    const resolve = pending.get(name);
    if (resolve && ev.object.status?.phase === 'Running') {
      pending.delete(name);
      resolve(systemClock.monotonic());
    }
  }
})();
const samples: number[] = [];
for (let i = 0; i < args.pods; i++) {
  const name = `bench-${i}`;
  const running = new Promise<number>((resolve) => pending.set(name, resolve));
  const start = systemClock.monotonic();
  await pods.create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    // sleep as PID 1 ignores SIGTERM: a short grace period keeps the deletion after the bench short.
    spec: { nodeName: args.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: args.image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  });
  const at = await Promise.race([running, watching.then(() => { throw new Error('the pod watch ended'); })]);
  samples.push(at - start);
}
abort.abort();
await watching.catch(() => undefined);
client.close();
console.log(JSON.stringify({ samples }));
