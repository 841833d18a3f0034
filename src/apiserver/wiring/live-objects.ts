// The objects ServiceAccount tokens name (ServiceAccounts, and the Pods, Secrets and Nodes
// tokens are bound to), as the token authenticator looks them up on every request: a live
// list+watch copy of each, keeping only uid and deletionTimestamp per object (pods can be
// many, secrets large), keyed by store key so a lookup is one map read. A miss is read from
// the store (LiveObjects.fetch), as upstream's getter falls back from its informer cache to
// a live GET. The list+watch loop is store-mirror's, with a projection.
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import type { LiveKind, LiveObject, LiveObjects } from '../auth/serviceaccount-token.js';
import { objectKey, resourcePrefix } from '../storage/codec.js';
import { mirrorPrefix } from './store-mirror.js';

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
  const mirrors = new Map(KINDS.map((kind) => [kind, mirrorPrefix(store, resourcePrefix(resourceOf(kind)), { project, log, retryMs })] as const));
  const ready = Promise.all([...mirrors.values()].map((m) => m.ready)).then(() => {});
  ready.catch(() => {});
  // Looked up once: keyOf runs on every request that carries a ServiceAccount token.
  const resources = new Map(KINDS.map((kind) => [kind, resourceOf(kind)] as const));
  const keyOf = (kind: LiveKind, namespace: string, name: string) => objectKey(resources.get(kind)!, namespace, name);
  return {
    ready,
    cached: (kind, namespace, name) => mirrors.get(kind)!.objects.get(keyOf(kind, namespace, name)),
    async fetch(kind, namespace, name) {
      const kv = await store.get(keyOf(kind, namespace, name));
      return kv ? project(kv.value) : undefined;
    },
    async stop() {
      await Promise.all([...mirrors.values()].map((m) => m.stop()));
    },
  };
}
