// GET /metrics in Prometheus text format, under upstream's names so existing dashboards and
// alerts read it: apiserver_storage_db_total_size_in_bytes{endpoint}, apiserver_storage_objects
// {resource}, etcd_request_duration_seconds{operation,type} (measured-store.ts), and the
// process's own (process_resident_memory_bytes, ...). Two of skiff's own beside them: the
// store's in-use bytes (etcd's file only shrinks when defragmented, SQLite's once vacuumed, so
// the file size alone hides what compaction freed) and the watch caches' bytes. Authorized
// like any non-resource path (RBAC's system:monitoring and cluster-admin grant it).
import { collectDefaultMetrics, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';
import { RESOURCES } from '../../api/resources.js';
import type { Clock } from '../../host/clock.js';
import type { Store } from '../../store/types.js';
import type { Authorized } from '../http/filters/types.js';
import { apiError } from '../status.js';
import { resourcePrefix } from '../storage/codec.js';
import type { WatchCacheBudget } from '../storage/watch-cache-budget.js';
import { measuredStore, resourceOfKey } from './measured-store.js';

/** Upstream's buckets for etcd_request_duration_seconds. */
const REQUEST_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Each storage prefix once (the two Event APIs share one), labelled as upstream: `configmaps`, `deployments.apps`. */
const STORED = [...new Map(RESOURCES.map((r) => [resourcePrefix(r), resourceOfKey(resourcePrefix(r))])).entries()];

export interface ApiMetrics {
  /** The store to hand the registry: its requests are timed. */
  readonly store: Store;
  /** Serves GET /metrics; resolves false for any other path. Rejects ApiError 405 for another method. */
  serve(r: Authorized): Promise<boolean>;
  /** Tells the metrics where the watch caches' bytes are (built after the store). */
  watchCaches(budget: WatchCacheBudget): void;
}

export interface ApiMetricsOptions {
  store: Store;
  /** The `endpoint` label: the SQLite file or the etcd endpoints. */
  endpoint?: string;
  clock: Clock;
}

/** Builds the metrics over `opts.store`, on a registry of their own (several servers may share a process). Never throws. */
export function apiMetrics(opts: ApiMetricsOptions): ApiMetrics {
  const registry = new MetricsRegistry();
  collectDefaultMetrics({ register: registry });
  // A store that cannot tell leaves the last value: the scrape still answers.
  const stats = () => opts.store.stats().catch(() => undefined);
  const endpoint = opts.endpoint ?? '';
  new Gauge({
    name: 'apiserver_storage_db_total_size_in_bytes', help: 'Total size of the storage database file physically allocated in bytes.',
    labelNames: ['endpoint'], registers: [registry],
    async collect() { const s = await stats(); if (s) this.set({ endpoint }, s.dbBytes); },
  });
  new Gauge({
    name: 'skiff_storage_db_in_use_bytes', help: 'Bytes of the storage database holding data and history (the rest is free space awaiting vacuum or defragmentation).',
    labelNames: ['endpoint'], registers: [registry],
    async collect() { const s = await stats(); if (s) this.set({ endpoint }, s.inUseBytes); },
  });
  new Gauge({
    name: 'apiserver_storage_objects', help: 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
    labelNames: ['resource'], registers: [registry],
    async collect() {
      const counts = await Promise.all(STORED.map(([prefix]) => opts.store.count(prefix).catch(() => -1)));
      STORED.forEach(([, resource], i) => this.set({ resource }, counts[i]!));
    },
  });
  let budget: WatchCacheBudget | undefined;
  new Gauge({
    name: 'skiff_watch_cache_bytes', help: 'Bytes the watch caches of all resources hold (bounded by --watch-cache-size-bytes).', registers: [registry],
    collect() { this.set(budget?.bytes ?? 0); },
  });
  const requests = new Histogram({
    name: 'etcd_request_duration_seconds', help: 'Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'], buckets: REQUEST_BUCKETS, registers: [registry],
  });
  return {
    store: measuredStore(opts.store, requests, opts.clock),
    watchCaches: (b) => { budget = b; },
    async serve(r) {
      if (r.url.pathname !== '/metrics') return false;
      if (r.req.method !== 'GET' && r.req.method !== 'HEAD') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const body = await registry.metrics();
      r.res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(body) });
      r.res.end(r.req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
