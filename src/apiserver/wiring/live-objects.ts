// The objects ServiceAccount tokens name (ServiceAccounts, and the Pods, Secrets and Nodes
// tokens are bound to), as the token authenticator looks them up on every request: a live
// list+watch copy of each, keeping only uid and deletionTimestamp per object (pods can be
// many, secrets large), keyed by store key so a lookup is one map read. A miss is read from
// the store (LiveObjects.fetch), as upstream's getter falls back from its informer cache to
// a live GET. The list+watch loop is store-mirror's, with a projection; a kind another reader
// mirrors already (auth.ts: the Node authorizer's pods) is read from that mirror instead.
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import type { LiveKind, LiveObject, LiveObjects } from '../auth/serviceaccount-token.js';
import { objectKey, resourcePrefix } from '../storage/codec.js';
import { mirrorPrefix, type StoreMirror } from './store-mirror.js';

export interface LiveObjectsCache extends LiveObjects {
  /** Resolves once every kind's first list is in; rejects if stop() comes first. */
  readonly ready: Promise<void>;
  /** Ends the watches; resolves when their loops have stopped. Never rejects. */
  stop(): Promise<void>;
}

const KINDS: LiveKind[] = ['serviceaccounts', 'secrets', 'pods', 'nodes'];

const resourceOf = (kind: LiveKind) => {
  const r = findResource('', 'v1', kind);
  if (!r) throw new Error(`resource ${kind}/v1 is not served`);
  return r;
};

/** uid and deletionTimestamp of a parsed object; undefined when it has no uid. */
export function liveObjectOf(o: { metadata?: { uid?: unknown; deletionTimestamp?: unknown } } | undefined): LiveObject | undefined {
  const m = o?.metadata;
  if (typeof m?.uid !== 'string') return undefined;
  return typeof m.deletionTimestamp === 'string' ? { uid: m.uid, deletionTimestamp: m.deletionTimestamp } : { uid: m.uid };
}

/** liveObjectOf stored bytes; undefined for bytes that are not an object with a uid. Never throws. */
function project(value: Buffer): LiveObject | undefined {
  try {
    return liveObjectOf(JSON.parse(value.toString('utf8')));
  } catch {
    return undefined;
  }
}

/**
 * Starts mirroring the four kinds of `store`; a kind in `shared` is read from that mirror
 * (started and stopped by its owner; its objects hold uid and deletionTimestamp as LiveObject
 * does, at the top level) instead of a second list+watch of it. Never throws; store failures are
 * logged and retried (relist).
 */
export function liveObjectsCache(store: Store, log?: (msg: string) => void, retryMs = 500, shared: Partial<Record<LiveKind, StoreMirror<Partial<LiveObject>>>> = {}): LiveObjectsCache {
  const owned = KINDS.filter((kind) => !shared[kind]).map((kind) => [kind, mirrorPrefix(store, resourcePrefix(resourceOf(kind)), { project, log, retryMs })] as const);
  const mirrors = new Map<LiveKind, StoreMirror<Partial<LiveObject>>>([...owned, ...KINDS.flatMap((kind) => (shared[kind] ? [[kind, shared[kind]] as const] : []))]);
  const ready = Promise.all([...mirrors.values()].map((m) => m.ready)).then(() => {});
  ready.catch(() => {});
  // Looked up once: keyOf runs on every request that carries a ServiceAccount token.
  const resources = new Map(KINDS.map((kind) => [kind, resourceOf(kind)] as const));
  const keyOf = (kind: LiveKind, namespace: string, name: string) => objectKey(resources.get(kind)!, namespace, name);
  return {
    ready,
    cached(kind, namespace, name) {
      const o = mirrors.get(kind)!.objects.get(keyOf(kind, namespace, name));
      // As project(): an object without a uid counts as absent.
      return typeof o?.uid === 'string' ? (o as LiveObject) : undefined;
    },
    async fetch(kind, namespace, name) {
      const kv = await store.get(keyOf(kind, namespace, name));
      return kv ? project(kv.value) : undefined;
    },
    async stop() {
      await Promise.all(owned.map(([, m]) => m.stop()));
    },
  };
}
