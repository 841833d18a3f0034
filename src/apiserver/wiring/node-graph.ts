// The Node authorizer's graph, fed by store mirrors of pods, PersistentVolumeClaims and
// PersistentVolumes (upstream's graph populator over informers). Like RBAC, it sees a write
// after its watch event: a pod bound a moment ago may not yet open its secrets to its node.
import { findResource } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import { NodeGraph } from '../auth/node/graph.js';
import { resourcePrefix } from '../storage/codec.js';
import type { LiveObject } from '../auth/serviceaccount-token.js';
import { liveObjectOf } from './live-objects.js';
import { isObject, type JsonObject } from '../../api/types.js';
import { mirrorPrefix, parseStored, type StoreMirror } from './store-mirror.js';

export interface NodeGraphCache {
  graph: NodeGraph;
  /** The pods mirror, for other readers of pods (live-objects.ts); stopped by stop(). */
  pods: StoreMirror<PodView>;
  /** Resolves once every mirror has its first list. */
  ready: Promise<void>;
  /** Never rejects. */
  stop(): Promise<void>;
}

/** A pod as the graph reads it, with the uid and deletionTimestamp ServiceAccount tokens bound to it are checked against (live-objects.ts reads this mirror too). */
export type PodView = Partial<LiveObject> & { metadata: { name?: string }; spec: JsonObject };

// Only what the graph (and, for pods, the token check) reads: no status, no managed fields.
const specOnly = (value: Buffer): PodView | undefined => {
  const o = parseStored(value);
  if (!o) return undefined;
  return { ...liveObjectOf(o), metadata: { ...(o.metadata.name !== undefined ? { name: o.metadata.name } : {}) }, spec: isObject(o.spec) ? o.spec : {} };
};

/** Starts the mirrors. Never throws; store failures are logged and retried. */
export function nodeGraphCache(store: Store, log?: (msg: string) => void): NodeGraphCache {
  const graph = new NodeGraph();
  const watch = (plural: string, set: (ns: string, name: string, obj: PodView | undefined) => void, namespaced: boolean): StoreMirror<PodView> => {
    const prefix = resourcePrefix(findResource('', 'v1', plural)!);
    return mirrorPrefix(store, prefix, {
      log, project: specOnly,
      onChange(key, obj) {
        const rest = key.slice(prefix.length).split('/');
        if (namespaced ? rest.length !== 2 : rest.length !== 1) return;
        if (namespaced) set(rest[0]!, rest[1]!, obj); else set('', rest[0]!, obj);
      },
    });
  };
  const pods = watch('pods', (ns, name, o) => graph.setPod(ns, name, o), true);
  const mirrors = [
    pods,
    watch('persistentvolumeclaims', (ns, name, o) => graph.setClaim(ns, name, o), true),
    watch('persistentvolumes', (_ns, name, o) => graph.setVolume(name, o), false),
  ];
  return {
    graph,
    pods,
    ready: Promise.all(mirrors.map((m) => m.ready)).then(() => {}),
    async stop() { await Promise.all(mirrors.map((m) => m.stop())); },
  };
}
