// Watch: store events turned into Kubernetes watch events (ADDED/MODIFIED/DELETED, ERROR with
// a 410 Status when the revision is compacted). Selectors are applied to both sides of a
// change, so an object leaving the selection is DELETED for this watcher and one entering it
// ADDED, as upstream's watch cache does. Without a resourceVersion (or with "0") the current
// state comes first as ADDED events.
import type { ResourceInfo } from '../../api/resources.js';
import { StoreError } from '../../store/types.js';
import { gone } from '../status.js';
import { decode, listPrefix, type Obj } from './codec.js';
import { storeToApi } from './errors.js';
import { parseRv, selectorPredicate, type Registry } from './registry.js';

export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
}

export type WatchOut =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj; revision: number }
  | { type: 'BOOKMARK'; object: Obj; revision: number }
  | { type: 'ERROR'; object: Obj; revision: number };

/**
 * Validates the query; throws ApiError 400 (bad selector or resourceVersion) before any event.
 * The returned iterable then yields until `signal` aborts; a compacted revision ends it with an
 * ERROR event carrying a 410 Expired Status.
 */
export function openWatch(reg: Registry, r: ResourceInfo, ns: string, q: WatchQuery, signal: AbortSignal): AsyncIterable<WatchOut> {
  const match = selectorPredicate(r, q) ?? (() => true);
  const rv = parseRv(q.resourceVersion);
  const initial = q.sendInitialEvents ?? !rv;
  const bookmark = (revision: number, extra: Obj = {}): WatchOut => ({
    type: 'BOOKMARK', revision,
    object: { kind: r.kind, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: String(revision), ...extra } },
  });
  return {
    async *[Symbol.asyncIterator]() {
      let from = rv ?? 0;
      try {
        if (initial) {
          const list = await reg.list(r, ns, {});
          from = Number(list.metadata.resourceVersion);
          for (const obj of list.items as Obj[]) if (match(obj)) yield { type: 'ADDED', object: obj, revision: from };
          if (q.sendInitialEvents && q.allowWatchBookmarks) {
            yield bookmark(from, { annotations: { 'k8s.io/initial-events-end': 'true' } });
          }
        }
        for await (const ev of reg.deps.store.watch(listPrefix(r, ns), from, signal)) {
          if (ev.type === 'put') {
            const obj = decode(ev.kv);
            const created = ev.kv.createRevision === ev.kv.modRevision;
            const now = match(obj);
            const was = ev.prev ? match(decode(ev.prev)) : created ? false : now;
            const revision = ev.kv.modRevision;
            if (now && was) yield { type: 'MODIFIED', object: obj, revision };
            else if (now) yield { type: 'ADDED', object: obj, revision };
            else if (was) yield { type: 'DELETED', object: obj, revision };
          } else if (ev.prev) {
            const obj = decode(ev.prev);
            obj.metadata.resourceVersion = String(ev.revision);
            if (match(obj)) yield { type: 'DELETED', object: obj, revision: ev.revision };
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        const status = err instanceof StoreError && err.kind === 'compacted'
          ? gone(`too old resource version: ${from} (${err.details.revision ?? ''})`).status
          : storeToApi(err, r).status;
        yield { type: 'ERROR', object: status as unknown as Obj, revision: from };
      }
    },
  };
}
