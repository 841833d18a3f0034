// The store seam: etcd's data model, so the embedded SQLite backend and etcd itself are
// interchangeable (one contract suite, test/contract/store.case.ts). The store revision is
// the Kubernetes resourceVersion: every write bumps it by one, across all keys.

export interface KeyValue {
  key: string;
  /** The serialized object (JSON bytes for the apiserver). */
  value: Buffer;
  /** Revision of the write that created the key (this incarnation of it). */
  createRevision: number;
  /** Revision of the latest write to the key: the object's resourceVersion. */
  modRevision: number;
}

export type WatchEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue }
  | { type: 'delete'; key: string; revision: number; prev?: KeyValue };

export interface ListOptions {
  /** Read as of this revision (0/absent = latest). Rejects StoreError 'compacted' if older than the compaction point, 'futureRevision' if newer than current. */
  revision?: number;
  /** At most this many items (0/absent = all). */
  limit?: number;
  /** Start strictly after this key (pagination: the last key of the previous page). */
  after?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at (use it for the next page and to start a watch). */
  revision: number;
  /** Items beyond this page under the prefix at that revision. */
  remaining: number;
}

export interface WriteOptions {
  /**
   * Deletes the key about this many seconds after this write, as an ordinary delete that
   * watchers see (kube-apiserver's --event-ttl). Each write sets or clears it: an update
   * without ttlSeconds makes the key permanent. etcd: a lease shared by the writes of about a
   * minute; SQLite and memory: an expiry swept in batches by the store's clock.
   */
  ttlSeconds?: number;
}

/** Sizes for size-triggered compaction, logs and metrics. */
export interface StoreStats {
  /** Bytes the backend holds on disk (SQLite: the file plus its WAL; etcd: its db file). */
  dbBytes: number;
  /** Of those, bytes holding data and history (the rest is free pages awaiting vacuum or defragmentation). */
  inUseBytes: number;
  revision: number;
  /** History at and before this revision is gone (0: never compacted). */
  compactRevision: number;
}

export type StoreErrorKind = 'notFound' | 'exists' | 'conflict' | 'compacted' | 'futureRevision' | 'unavailable' | 'tooLarge';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(readonly kind: StoreErrorKind, message: string, readonly details: { key?: string; revision?: number; current?: KeyValue } = {}) {
    super(message);
  }
}

export interface Store {
  /** The current revision (the latest write's). */
  revision(): Promise<number>;
  /** The key as of `revision` (latest if absent); undefined when absent. Rejects compacted/futureRevision. */
  get(key: string, revision?: number): Promise<KeyValue | undefined>;
  /** Keys under `prefix` in key order, consistent at one revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys under prefix at the latest revision. */
  count(prefix: string): Promise<number>;
  /** Creates the key; rejects 'exists' (details.current) when it is present. Resolves with the new revision. */
  create(key: string, value: Buffer, opts?: WriteOptions): Promise<number>;
  /**
   * Replaces the key if its modRevision is still `expected` (compare-and-swap); rejects 'notFound'
   * when absent, 'conflict' (details.current = what is there) when it moved on.
   */
  update(key: string, value: Buffer, expected: number, opts?: WriteOptions): Promise<number>;
  /** Deletes the key, if `expected` is given only at that modRevision ('conflict' otherwise); 'notFound' when absent. Resolves with the revision and the deleted value. */
  delete(key: string, expected?: number): Promise<{ revision: number; prev: KeyValue }>;
  /**
   * Events under prefix with revision > `after`, in revision order, then live ones, until signal
   * aborts. Throws StoreError 'compacted' (before or while yielding) when `after` is older than
   * the compaction point; the caller relists (HTTP 410 Gone for Kubernetes clients).
   */
  watch(prefix: string, after: number, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /**
   * Forgets history up to and including `revision` (latest values are kept) and gives the space
   * back, in steps that let other requests run in between. A revision at or below the compaction
   * point is a no-op; above the current one rejects 'futureRevision'.
   */
  compact(revision: number): Promise<void>;
  /** Sizes and revisions; rejects 'unavailable' like any read. */
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
