import type { AutoCompaction } from './compactor.js';
import type { Store } from './types.js';

export type { Store, StoreStats, WriteOptions } from './types.js';
export type { AutoCompaction, CompactionReport } from './compactor.js';
export { StoreError } from './types.js';

export interface OpenStoreOptions {
  /** The SQLite database file (the default, embedded backend). */
  sqlite?: string;
  /** etcd endpoints, e.g. ['http://127.0.0.1:2379']; takes precedence over sqlite. */
  etcd?: { endpoints: string[] };
  /** etcd only: prefix of every key, so several clusters can share one etcd (default ''). */
  prefix?: string;
  /** Periodic compaction (default: every 5 minutes, keeping 1000 revisions); false: none. */
  autoCompact?: AutoCompaction | false;
  /** SQLite only: how often expired TTL keys are swept and where sweep errors go (etcd expires its own leases). */
  sweep?: { intervalMs?: number; onError?: (err: unknown) => void } | false;
}

/**
 * Opens the configured backend. Rejects with Error when neither backend is given, and with
 * SQLite's error when the file cannot be opened; an unreachable etcd is 'unavailable' on the
 * first call instead.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.etcd) {
    const { EtcdStore } = await import('./etcd.js');
    return new EtcdStore({ endpoints: opts.etcd.endpoints, prefix: opts.prefix ?? '', autoCompact: opts.autoCompact ?? {} });
  }
  if (opts.sqlite) {
    const { SqliteStore } = await import('./sqlite.js');
    return new SqliteStore({ path: opts.sqlite, autoCompact: opts.autoCompact ?? {}, sweep: opts.sweep ?? {} });
  }
  throw new Error('openStore: give a sqlite file or etcd endpoints');
}
