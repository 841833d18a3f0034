// The pod lifecycle event generator's relist (upstream pleg/generic.go): list every sandbox and
// container the runtime holds, compare each pod's with the last list, and name the pods whose
// sandboxes or containers changed state, appeared or went away. Their workers then resync.
import type { CriClient } from '../../cri/client.js';
import { isUnimplemented } from '../../cri/errors.js';
import { ownValue } from '../../own-keys.js';
import { POD_UID } from './labels.js';

/** Per pod uid, a fingerprint of its sandboxes' and containers' ids and states. */
export type RuntimeSnapshot = ReadonlyMap<string, string>;

interface Item {
  id: string;
  state: unknown;
  labels: Readonly<Record<string, string>>;
}

/** The fingerprint per pod uid of sandboxes and containers; items without the uid label are not the kubelet's. */
export function snapshotOf(sandboxes: readonly Item[], containers: readonly Item[]): RuntimeSnapshot {
  const parts = new Map<string, string[]>();
  for (const [kind, items] of [['s', sandboxes], ['c', containers]] as const) {
    for (const it of items) {
      const uid = ownValue(it.labels, POD_UID);
      if (!uid) continue;
      const list = parts.get(uid) ?? [];
      list.push(`${kind}:${it.id}:${String(it.state)}`);
      parts.set(uid, list);
    }
  }
  return new Map([...parts].map(([uid, list]) => [uid, list.sort().join(',')]));
}

/** The uids whose fingerprint differs between prev and next (including those only in one of them). */
export function changedPods(prev: RuntimeSnapshot, next: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const [uid, fp] of next) if (prev.get(uid) !== fp) out.push(uid);
  for (const uid of prev.keys()) if (!next.has(uid)) out.push(uid);
  return out;
}

export class Pleg {
  #last: RuntimeSnapshot = new Map();

  constructor(private readonly cri: CriClient) {}

  /** Lists the runtime and resolves with the pods that changed since the last relist. Rejects with CriError. */
  async relist(): Promise<string[]> {
    const [sbs, ctrs] = await Promise.all([this.cri.runtime.listPodSandbox({}), this.cri.runtime.listContainers({})]);
    const next = snapshotOf(sbs.items, ctrs.containers);
    const changed = changedPods(this.#last, next);
    this.#last = next;
    return changed;
  }
}

/** How long to wait before listening again after the event stream broke. */
const EVENTS_RETRY_MS = 5000;

/**
 * Upstream's evented PLEG: CRI GetContainerEvents names a pod the moment one of its containers
 * is created, started, stopped or deleted, so an exit is seen without waiting for the relist,
 * which stays as the fallback. A runtime without the stream (containerd 1.6: Unimplemented)
 * is left to the relist alone. Resolves when signal aborts.
 */
export async function watchContainerEvents(cri: CriClient, onPod: (uid: string) => void, deps: { signal: AbortSignal; wait: (ms: number) => Promise<void>; log: (line: string) => void }): Promise<void> {
  while (!deps.signal.aborted) {
    try {
      for await (const ev of cri.runtime.getContainerEvents({}, { signal: deps.signal })) {
        const uid = ev.podSandboxStatus ? ownValue(ev.podSandboxStatus.labels, POD_UID) : undefined;
        if (uid) onPod(uid);
      }
    } catch (err) {
      if (deps.signal.aborted) return;
      if (isUnimplemented(err)) {
        deps.log('pod manager: the runtime has no GetContainerEvents; exits are seen by the 1 s relist only');
        return;
      }
      deps.log(`pod manager: container events: ${(err as Error).message}`);
    }
    await deps.wait(EVENTS_RETRY_MS);
  }
}
