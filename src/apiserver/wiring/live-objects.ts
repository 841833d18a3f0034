// The objects ServiceAccount tokens name (ServiceAccounts, and the Pods, Secrets and Nodes
// tokens are bound to), as the token authenticator looks them up on every request: a live
// list+watch copy of each, keeping only uid and deletionTimestamp per object (pods can be
// many, secrets large), keyed by store key so a lookup is one map read. A miss is read from
// the store (LiveObjects.fetch), as upstream's getter falls back from its informer cache to
// a live GET.
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import type { LiveKind, LiveObject, LiveObjects } from '../auth/serviceaccount-token.js';
import { objectKey, resourcePrefix } from '../storage/codec.js';

export interface LiveObjectsCache extends LiveObjects {
  /** Resolves once every kind's first list is in; rejects if stop() comes first. */
  readonly ready: Promise<void>;
  /** Ends the watches; resolves when their loops have stopped. Never rejects. */
  stop(): Promise<void>;
}

const KINDS: LiveKind[] = ['serviceaccounts', 'secrets', 'pods', 'nodes'];
const PAGE = 1000;

const resourceOf = (kind: LiveKind) => {
  const r = findResource('', 'v1', kind);
  if (!r) throw new Error(`resource ${kind}/v1 is not served`);
  return r;
};

/** uid and deletionTimestamp of stored bytes; undefined for bytes that are not an object with a uid. Never throws. */
function project(value: Buffer): LiveObject | undefined {
  try {
    const m = (JSON.parse(value.toString('utf8')) as { metadata?: { uid?: unknown; deletionTimestamp?: unknown } }).metadata;
    if (typeof m?.uid !== 'string') return undefined;
    return typeof m.deletionTimestamp === 'string' ? { uid: m.uid, deletionTimestamp: m.deletionTimestamp } : { uid: m.uid };
  } catch {
    return undefined;
  }
}

/** Starts mirroring the four kinds of `store`. Never throws; store failures are logged and retried (relist). */
export function liveObjectsCache(store: Store, log?: (msg: string) => void, retryMs = 500): LiveObjectsCache {
  const abort = new AbortController();
  const maps = new Map<LiveKind, Map<string, LiveObject>>();
  const loops: Promise<void>[] = [];
  const readies: Promise<void>[] = [];
  for (const kind of KINDS) {
    const map = new Map<string, LiveObject>();
    maps.set(kind, map);
    const { ready, loop } = mirror(store, resourcePrefix(resourceOf(kind)), map, abort.signal, retryMs, log);
    readies.push(ready);
    loops.push(loop);
  }
  const ready = Promise.all(readies).then(() => {});
  ready.catch(() => {});
  // Looked up once: keyOf runs on every request that carries a ServiceAccount token.
  const resources = new Map(KINDS.map((kind) => [kind, resourceOf(kind)] as const));
  const keyOf = (kind: LiveKind, namespace: string, name: string) => objectKey(resources.get(kind)!, namespace, name);
  return {
    ready,
    cached: (kind, namespace, name) => maps.get(kind)!.get(keyOf(kind, namespace, name)),
    async fetch(kind, namespace, name) {
      const kv = await store.get(keyOf(kind, namespace, name));
      return kv ? project(kv.value) : undefined;
    },
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

/** List (in pages, at one revision) then watch `prefix` into `map`, relisting when the watch ends. */
function mirror(store: Store, prefix: string, map: Map<string, LiveObject>, signal: AbortSignal, retryMs: number, log?: (msg: string) => void) {
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { markReady = res; failReady = rej; });
  ready.catch(() => {});
  signal.addEventListener('abort', () => failReady(new Error('stopped')), { once: true });
  const put = (key: string, value: Buffer) => {
    const obj = project(value);
    if (obj) map.set(key, obj); else map.delete(key);
  };
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        const seen = new Set<string>();
        let revision: number | undefined;
        for (let after: string | undefined; ;) {
          const page = await store.list(prefix, { limit: PAGE, after, revision });
          revision = page.revision;
          for (const kv of page.items) { seen.add(kv.key); put(kv.key, kv.value); }
          if (!page.remaining || !page.items.length) break;
          after = page.items.at(-1)!.key;
        }
        for (const key of [...map.keys()]) if (!seen.has(key)) map.delete(key);
        markReady();
        for await (const ev of store.watch(prefix, revision!, signal)) {
          if (ev.type === 'put') put(ev.kv.key, ev.kv.value);
          else map.delete(ev.key);
        }
      } catch (e) {
        if (signal.aborted) break;
        log?.(`${prefix}: watch ended (${(e as Error).message}); relisting`);
      }
      await sleep(retryMs, signal);
    }
  })();
  return { ready, loop };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
