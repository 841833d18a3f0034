// The Store as the apiserver uses it, each request timed into upstream's
// etcd_request_duration_seconds{operation, type} (k8s.io/apiserver storage/etcd3/metrics),
// whichever backend is behind it. Watches and compaction are not requests and are not timed.
import type { Histogram } from 'prom-client';
import type { Clock } from '../../host/clock.js';
import type { ListOptions, Store, WriteOptions } from '../../store/types.js';

/**
 * The `type` label as upstream's group-resource string: `configmaps`, `deployments.apps`, from
 * /registry/<group|core>/<plural>/...; other keys (or none) are `unknown`.
 */
export function resourceOfKey(key: string): string {
  const [, registry, group, plural] = key.split('/');
  if (registry !== 'registry' || !group || !plural) return 'unknown';
  return group === 'core' ? plural : `${plural}.${group}`;
}

/** `store` with every request timed into `histogram`. Never throws; results and errors are the store's. */
export function measuredStore(store: Store, histogram: Histogram<'operation' | 'type'>, clock: Clock): Store {
  const timed = async <T>(operation: string, key: string, call: () => Promise<T>): Promise<T> => {
    const started = clock.monotonic();
    try {
      return await call();
    } finally {
      histogram.observe({ operation, type: resourceOfKey(key) }, (clock.monotonic() - started) / 1000);
    }
  };
  return {
    revision: () => store.revision(),
    get: (key: string, revision?: number) => timed('get', key, () => store.get(key, revision)),
    list: (prefix: string, opts?: ListOptions) => timed('list', prefix, () => store.list(prefix, opts)),
    count: (prefix: string) => timed('listWithCount', prefix, () => store.count(prefix)),
    create: (key: string, value: Buffer, opts?: WriteOptions) => timed('create', key, () => store.create(key, value, opts)),
    update: (key: string, value: Buffer, expected: number, opts?: WriteOptions) => timed('update', key, () => store.update(key, value, expected, opts)),
    delete: (key: string, expected?: number) => timed('delete', key, () => store.delete(key, expected)),
    watch: (prefix: string, after: number, signal: AbortSignal) => store.watch(prefix, after, signal),
    compact: (revision: number) => store.compact(revision),
    stats: () => store.stats(),
    close: () => store.close(),
  };
}
