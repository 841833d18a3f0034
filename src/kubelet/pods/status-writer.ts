// Writes a pod's status through pods/status only when it changed (upstream status manager):
// a merge patch carrying the pod's uid, so a pod deleted and made again under the same name
// is never written with the old one's status; fields that went away are patched to null.
import type { Pod, PodStatus } from '../../api/types.js';
import { jsonEqual } from '../../api/types.js';
import type { ResourceClient } from '../../client/resource.js';
import { dict } from '../../own-keys.js';

export class StatusWriter {
  /** What this kubelet last wrote per pod uid: the informer may not have caught up with it yet. */
  readonly #written = new Map<string, PodStatus>();

  constructor(private readonly pods: (namespace: string) => ResourceClient<Pod>) {}

  /** Patches when status differs from both the pod's and the last written. Rejects with ApiStatusError. */
  async write(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    const current = pod.status ?? {};
    if (jsonEqual(current, status) || jsonEqual(this.#written.get(uid), status)) return false;
    const patch = dict<unknown>();
    for (const key of Object.keys(current)) patch[key] = null;
    Object.assign(patch, status);
    await this.pods(pod.metadata.namespace ?? '').patch(pod.metadata.name ?? '', 'merge', { metadata: { uid }, status: patch }, { subresource: 'status' });
    this.#written.set(uid, status);
    return true;
  }

  /**
   * The pod with the newest status this kubelet knows: what it last wrote, unless the API's copy
   * is terminal (set by another writer). The informer's copy may trail a write by a moment, and
   * generating from it would lose what was written (startTime, transition times), as upstream's
   * status manager avoids by generating from its own cache.
   */
  latest(pod: Pod): Pod {
    const written = this.#written.get(pod.metadata.uid ?? '');
    const apiPhase = pod.status?.phase;
    if (!written || apiPhase === 'Succeeded' || apiPhase === 'Failed') return pod;
    return { ...pod, status: written };
  }

  forget(uid: string): void {
    this.#written.delete(uid);
  }
}
