// Namespaces' life: the four namespaces every cluster has, created at start, and the emptying
// of a Terminating namespace (upstream's namespace controller, in-process here because without
// it a deleted namespace would never go): delete everything in it, then drop the 'kubernetes'
// finalizer and the namespace itself. Objects that stay (finalizers, graceful pods) are retried.
import { RESOURCES, findResource } from '../../api/resources.js';
import type { Json } from '../../api/types.js';
import { decode, listPrefix, objectKey, type Obj } from './codec.js';
import { section } from './fields.js';
import { deleteCollection } from './delete.js';
import type { Registry } from './registry.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const RETRY_MS = [200, 500, 1000, 2000, 5000];

export interface NamespaceLifecycle {
  /** Stops the watch and pending retries; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** Creates the default namespaces when absent. Throws ApiError when the store fails. */
export async function ensureDefaultNamespaces(reg: Registry): Promise<void> {
  for (const name of DEFAULT_NAMESPACES) {
    try {
      await reg.create(NAMESPACES, '', { metadata: { name } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

/** Starts emptying namespaces marked for deletion, now and as they get marked. Never throws; errors are retried. */
export function startNamespaceLifecycle(reg: Registry, log: (msg: string) => void = () => {}): NamespaceLifecycle {
  const abort = new AbortController();
  const busy = new Map<string, Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();

  const finalize = async (name: string, attempt = 0): Promise<void> => {
    if (abort.signal.aborted) return;
    try {
      if (await emptyNamespace(reg, name)) return;
    } catch (err) {
      log(`namespace ${name}: ${(err as Error).message}`);
    }
    const t = setTimeout(() => { timers.delete(t); kick(name, attempt + 1); }, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
    timers.add(t);
  };
  const kick = (name: string, attempt = 0) => {
    if (busy.has(name) || abort.signal.aborted) return;
    const p = finalize(name, attempt).finally(() => busy.delete(name));
    busy.set(name, p);
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const list = await reg.list(NAMESPACES, '', {});
        for (const ns of list.items) if (ns.metadata.deletionTimestamp) kick(ns.metadata.name ?? '');
        const from = Number(list.metadata.resourceVersion);
        for await (const ev of reg.deps.store.watch(listPrefix(NAMESPACES, ''), from, abort.signal)) {
          if (ev.type !== 'put') continue;
          const ns = decode(ev.kv);
          if (ns.metadata.deletionTimestamp) kick(ns.metadata.name ?? '');
        }
      } catch (err) {
        if (abort.signal.aborted) break;
        log(`namespace watch: ${(err as Error).message}; relisting`);
        await new Promise((res) => setTimeout(res, 500));
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      await loop;
      await Promise.allSettled([...busy.values()]);
    },
  };
}

/** One pass; true when the namespace is gone (or was never there). Throws ApiError on store failure. */
async function emptyNamespace(reg: Registry, name: string): Promise<boolean> {
  const { store } = reg.deps;
  const key = objectKey(NAMESPACES, '', name);
  const kv = await store.get(key);
  if (!kv) return true;
  let left = 0;
  for (const r of RESOURCES) {
    if (!r.namespaced) continue;
    await deleteCollection(reg, r, name, {});
    left += await store.count(listPrefix(r, name));
  }
  if (left > 0) return false;
  const finalizers = (o: Obj): Json[] => {
    const list = section(o.spec).finalizers;
    return Array.isArray(list) ? list : [];
  };
  const ns = await reg.guaranteedUpdate(NAMESPACES, '', name, { subresource: 'finalize' }, (cur) => ({
    ...cur, spec: { ...section(cur.spec), finalizers: finalizers(cur).filter((f) => f !== 'kubernetes') },
  }), 'Update');
  if (finalizers(ns).length || ns.metadata.finalizers?.length) return false;
  const latest = await store.get(key);
  if (!latest) return true;
  await store.delete(key, latest.modRevision);
  return true;
}
