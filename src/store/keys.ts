import { StoreError, type KeyValue } from './types.js';

// Facts every backend shares: key ranges, the value size limit, and the error shapes of the
// contract, so the three backends fail the same way.

/** etcd's default request limit, which Kubernetes objects must fit in (1.5 MiB). */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

/**
 * The smallest key greater than every key that starts with prefix (etcd's "prefix end");
 * undefined for the empty prefix, which has no upper bound.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last + 1);
  }
  return undefined;
}

/** Throws StoreError 'tooLarge' when value is over MAX_VALUE_BYTES. */
export function checkValue(key: string, value: Buffer): void {
  if (value.length > MAX_VALUE_BYTES) {
    throw new StoreError('tooLarge', `value of ${key} is ${value.length} bytes, over the ${MAX_VALUE_BYTES} byte limit`, { key });
  }
}

/** The expiry of a write at `nowMs` (ms since the epoch), or null; throws RangeError for a TTL that is not a positive number of seconds. */
export function expiryOf(opts: { ttlSeconds?: number } | undefined, nowMs: number): number | null {
  const ttl = opts?.ttlSeconds;
  if (ttl === undefined) return null;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive number of seconds, not ${ttl}`);
  return nowMs + Math.ceil(ttl * 1000);
}

export const errors = {
  exists: (key: string, current: KeyValue) => new StoreError('exists', `key ${key} already exists`, { key, current }),
  notFound: (key: string) => new StoreError('notFound', `key ${key} not found`, { key }),
  conflict: (key: string, expected: number, current: KeyValue) =>
    new StoreError('conflict', `key ${key} is at revision ${current.modRevision}, not ${expected}`, { key, current }),
  compacted: (revision: number, compactRevision: number) =>
    new StoreError('compacted', `revision ${revision} is compacted (history starts after ${compactRevision})`, { revision }),
  future: (revision: number, current: number) =>
    new StoreError('futureRevision', `revision ${revision} is newer than the current revision ${current}`, { revision }),
  closed: () => new StoreError('unavailable', 'the store is closed'),
};

/** Rejects 'compacted'/'futureRevision' for a read at revision; resolves the revision to read at. */
export function readRevision(revision: number | undefined, current: number, compactRevision: number): number {
  if (!revision) return current;
  if (revision > current) throw errors.future(revision, current);
  if (revision < compactRevision) throw errors.compacted(revision, compactRevision);
  return revision;
}

/** The key an event is about. */
export function eventKey(ev: { type: 'put'; kv: KeyValue } | { type: 'delete'; key: string }): string {
  return ev.type === 'put' ? ev.kv.key : ev.key;
}
