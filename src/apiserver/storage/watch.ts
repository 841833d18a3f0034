// Watch: store events turned into Kubernetes watch events (ADDED/MODIFIED/DELETED, ERROR with
// a 410 Status when the revision is compacted). Selectors are applied to both sides of a
// change, so an object leaving the selection is DELETED for this watcher and one entering it
// ADDED, as upstream's watch cache does. Without a resourceVersion (or with "0") the current
// state comes first as ADDED events.
import type { ResourceInfo } from '../../api/resources.js';
import type { ObjectMeta } from '../../api/types.js';
import { StoreError } from '../../store/types.js';
import { ApiError, gone } from '../status.js';
import { Cacher, CursorLost } from './cacher.js';
import { decode, listPrefix, served, tombstone, type Obj } from './codec.js';
import { storeToApi } from './errors.js';
import { parseRv, selectorPredicate, type Registry } from './registry.js';

const all = (): boolean => true;

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

/** A watch's events, and how far it has got through the resource's changes. */
export interface WatchStream extends AsyncIterable<WatchOut> {
  /**
   * The revision a bookmark may carry now: every change of the resource up to it has been
   * yielded or did not concern this watch (namespace, selectors). As upstream's cacher, that is
   * the watch cache's revision once the watch has read all it holds, not this watch's last
   * event. Undefined while it is not past where the watch started (nothing new to tell).
   */
  bookmarkRevision(): number | undefined;
}

/**
 * Validates the query; throws ApiError 400 (bad selector or resourceVersion) before any event.
 * The returned iterable then yields until `signal` aborts; a compacted revision ends it with an
 * ERROR event carrying a 410 Expired Status.
 */
export function openWatch(reg: Registry, r: ResourceInfo, ns: string, q: WatchQuery, signal: AbortSignal): WatchStream {
  const match = selectorPredicate(r, q) ?? all;
  const rv = parseRv(q.resourceVersion);
  const initial = q.sendInitialEvents ?? !rv;
  const bookmark = (revision: number, extra: ObjectMeta = {}): WatchOut => ({
    type: 'BOOKMARK', revision,
    object: { kind: r.kind, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: String(revision), ...extra } },
  });
  // `start`: where the watch begins (after its initial list); `seen`: how far it has got.
  const progress = { start: rv ?? 0, seen: rv ?? 0 };
  return {
    bookmarkRevision: () => (progress.seen > progress.start ? progress.seen : undefined),
    async *[Symbol.asyncIterator]() {
      let from = rv ?? 0;
      try {
        if (initial) {
          const list = await reg.list(r, ns, {});
          from = Number(list.metadata.resourceVersion);
          progress.start = progress.seen = from;
          for (const obj of list.items) if (match(obj)) yield { type: 'ADDED', object: obj, revision: from };
          if (q.sendInitialEvents && q.allowWatchBookmarks) {
            yield bookmark(from, { annotations: { 'k8s.io/initial-events-end': 'true' } });
          }
        }
        const cacher = await reg.watchCache(r);
        const cursor = cacher.cursorAfter(from);
        if (cursor === undefined) yield* fromStore(reg, r, ns, from, match, progress, signal);
        else yield* fromCache(cacher, cursor, listPrefix(r, ns), (o) => served(r, o), match, progress, signal);
      } catch (err) {
        if (signal.aborted) return;
        const status = err instanceof StoreError && err.kind === 'compacted'
          ? gone(`too old resource version: ${from} (${err.details.revision ?? ''})`).status
          : err instanceof ApiError ? err.status : storeToApi(err, r).status;
        yield { type: 'ERROR', object: status as unknown as Obj, revision: from };
      }
    },
  };
}

type Change = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj; revision: number };

/**
 * The Kubernetes event one store change is for this watcher, if any: selectors are applied to
 * both sides, so leaving the selection is DELETED and entering it ADDED.
 */
function change(ev: { type: 'put' | 'delete'; object: Obj; revision: number; created: boolean; prev(): Obj | undefined }, match: (o: Obj) => boolean, filtered: boolean): Change | undefined {
  const { object, revision } = ev;
  if (ev.type === 'delete') return match(object) ? { type: 'DELETED', object, revision } : undefined;
  if (!filtered) return { type: ev.created ? 'ADDED' : 'MODIFIED', object, revision };
  const now = match(object);
  const prev = ev.prev();
  const was = prev ? match(prev) : ev.created ? false : now;
  if (now && was) return { type: 'MODIFIED', object, revision };
  if (now) return { type: 'ADDED', object, revision };
  if (was) return { type: 'DELETED', object, revision };
  return undefined;
}

/** Events from the shared watch cache; ends (without an error, as upstream) when this watcher falls out of its buffer. */
async function* fromCache(cacher: Cacher, start: number, prefix: string, view: (o: Obj) => Obj, match: (o: Obj) => boolean, progress: { seen: number }, signal: AbortSignal): AsyncGenerator<Change> {
  const filtered = match !== all;
  let cursor = start;
  while (!signal.aborted) {
    let batch;
    try {
      batch = cacher.read(cursor);
    } catch (err) {
      if (err instanceof CursorLost) return;
      throw err;
    }
    cursor = batch.cursor;
    for (const ev of batch.events) {
      // Set before the yield: the consumer sends the event before any bookmark can be written.
      progress.seen = Math.max(progress.seen, ev.revision);
      if (!ev.key.startsWith(prefix)) continue;
      // The cache holds the stored shape, shared by every API that serves this storage.
      const out = change({ ...ev, object: view(ev.object), prev: () => { const p = ev.prev(); return p && view(p); } }, match, filtered);
      if (out) yield out;
    }
    progress.seen = Math.max(progress.seen, batch.revision);
    if (!batch.events.length) await cacher.changed(signal);
  }
}

/** Events straight from the store: for resourceVersions older than the cache's buffer. Throws StoreError 'compacted'. */
async function* fromStore(reg: Registry, r: ResourceInfo, ns: string, from: number, match: (o: Obj) => boolean, progress: { seen: number }, signal: AbortSignal): AsyncGenerator<Change> {
  const filtered = match !== all;
  for await (const ev of reg.deps.store.watch(listPrefix(r, ns), from, signal)) {
    progress.seen = Math.max(progress.seen, ev.type === 'put' ? ev.kv.modRevision : ev.revision);
    const object = ev.type === 'put' ? decode(ev.kv, r) : ev.prev ? decode(ev.prev, r) : served(r, tombstone(r, ev.key, ev.revision));
    if (ev.type === 'delete') object.metadata.resourceVersion = String(ev.revision);
    const out = change({
      type: ev.type,
      revision: ev.type === 'put' ? ev.kv.modRevision : ev.revision,
      object,
      created: ev.type === 'put' && ev.kv.createRevision === ev.kv.modRevision,
      prev: () => (ev.prev ? decode(ev.prev, r) : undefined),
    }, match, filtered);
    if (out) yield out;
  }
}
