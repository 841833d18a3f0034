// The pod lifecycle event generator's relist (upstream pleg/generic.go): list every sandbox and
// container the runtime holds, compare each pod's with the last list, and name the pods whose
// sandboxes or containers changed state, appeared or went away. Their workers then resync.
import type { CriClient } from '../../cri/client.js';
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
