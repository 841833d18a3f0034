// A pod's containers as the runtime has them, found by the labels every CRI runtime keeps for
// the kubelet (io.kubernetes.pod.uid, io.kubernetes.container.name): the same lookup works on
// skiff's runtime, containerd and CRI-O, and for containers the kubelet did not start itself.
import type { Pod } from '../../api/types.js';
import type { CriClient } from '../../cri/client.js';
import { CONTAINER_NAME, POD_UID } from '../pods/labels.js';


export interface RuntimeContainer {
  id: string;
  attempt: number;
  state: string;
}

/** The pod's instances of `container`, newest first (by restart attempt, then creation). Rejects with the CRI's error. */
export async function containerInstances(cri: CriClient, pod: Pod, container: string): Promise<RuntimeContainer[]> {
  const uid = pod.metadata?.uid ?? '';
  const { containers } = await cri.runtime.listContainers({ filter: { labelSelector: { [POD_UID]: uid, [CONTAINER_NAME]: container } } });
  return containers
    .map((c) => ({ id: c.id, attempt: c.metadata?.attempt ?? 0, state: String(c.state), created: BigInt(c.createdAt || '0') }))
    .sort((a, b) => b.attempt - a.attempt || (b.created > a.created ? 1 : b.created < a.created ? -1 : 0))
    .map(({ id, attempt, state }) => ({ id, attempt, state }));
}

/** The pod this kubelet runs under ns/name, if any. */
export function findPod(pods: readonly Pod[], namespace: string, name: string): Pod | undefined {
  return pods.find((p) => p.metadata?.name === name && (p.metadata?.namespace ?? 'default') === namespace);
}

/** Whether the pod's spec (containers, init or ephemeral) names it, as upstream checks before reading logs. */
export function podHasContainer(pod: Pod, name: string): boolean {
  const spec = pod.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])].some((c) => c.name === name);
}
