// The watch cache of one resource type (upstream's cacher): one store watch per resource
// prefix, each event decoded once into a ring buffer, and every HTTP watch of that type reading
// the buffer with its own cursor and filter (namespace, selectors). Publishing costs one wake-up
// per waiting watcher, so 1,000 watchers do not mean 1,000 store watches or 1,000 decodes.
// A watcher whose cursor falls out of the buffer (it did not keep up) is terminated, as upstream
// closes unresponsive watchers: its client rewatches from the last resourceVersion it saw.
import type { Store, WatchEvent } from '../../store/types.js';
import { decode, type Obj } from './codec.js';

/** One change of the resource type, decoded once and shared (read-only) by every watcher. */
export interface CachedEvent {
  type: 'put' | 'delete';
  key: string;
  revision: number;
  /** put: the new object; delete: the last state, with the deletion's resourceVersion. */
  object: Obj;
  /** put: the key did not exist before this write. */
  created: boolean;
  /** put: the previous object (decoded on first use: only selector watchers need it). */
  prev(): Obj | undefined;
}

/** Events kept per resource type for watches that resume from a resourceVersion. */
export const RING_CAPACITY = 10_000;

/** Ends a cursor: the watcher fell out of the buffer, or the cache stopped. */
export class CursorLost extends Error {
  override readonly name = 'CursorLost';
}

export class Cacher {
  private readonly ring: (CachedEvent | undefined)[];
  /** Sequence number of the next event (events are numbered from 0 since the start). */
  private next = 0;
  /** Every event with a revision above this one is still in the ring. */
  private floor: number;
  private stopped = false;
  private readonly waiting = new Set<() => void>();
  private readonly abort = new AbortController();

  /** Starts watching `prefix` from `revision` (the store's current one). Never throws; a store failure stops the cache. */
  readonly capacity: number;
  private readonly tombstone?: (key: string, revision: number) => Obj;

  /** `tombstone` makes the object of a deletion the store reports without its old value. */
  constructor(private readonly store: Store, readonly prefix: string, revision: number, private readonly onStop: () => void,
    opts: { capacity?: number; tombstone?: (key: string, revision: number) => Obj } = {}) {
    this.capacity = opts.capacity ?? RING_CAPACITY;
    this.tombstone = opts.tombstone;
    this.ring = new Array(this.capacity);
    this.floor = revision;
    void this.pump(revision);
  }

  get alive(): boolean { return !this.stopped; }

  /** The first sequence number holding an event above `revision`, or undefined when `revision` is older than the buffer. */
  cursorAfter(revision: number): number | undefined {
    if (this.stopped || revision < this.floor) return undefined;
    let lo = Math.max(0, this.next - this.capacity);
    let hi = this.next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid % this.capacity]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events from sequence `cursor` on (possibly none), and the cursor after them. Throws
   * CursorLost when the cursor was evicted (a slow watcher) or the cache stopped.
   */
  read(cursor: number): { events: CachedEvent[]; cursor: number } {
    if (this.stopped) throw new CursorLost('the watch cache stopped');
    if (cursor < this.next - this.capacity) throw new CursorLost('the watcher fell behind the watch cache');
    const events: CachedEvent[] = [];
    for (let seq = cursor; seq < this.next; seq++) events.push(this.ring[seq % this.capacity]!);
    return { events, cursor: this.next };
  }

  /** Resolves on the next event, when the cache stops, or when `signal` aborts. Never rejects. */
  changed(signal: AbortSignal): Promise<void> {
    if (this.stopped || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops the store watch and ends every cursor. Never throws. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.onStop();
    this.wakeAll();
  }

  private async pump(from: number): Promise<void> {
    try {
      for await (const ev of this.store.watch(this.prefix, from, this.abort.signal)) {
        const cached = toCached(ev, this.tombstone);
        if (cached) this.append(cached);
      }
    } catch {
      // Compacted under us or the backend went away: watchers end and their clients rewatch,
      // which builds a fresh cache (or falls back to the store for resourceVersions before it).
    } finally {
      this.stop();
    }
  }

  private append(ev: CachedEvent): void {
    const slot = this.next % this.capacity;
    const evicted = this.ring[slot];
    if (evicted) this.floor = evicted.revision;
    this.ring[slot] = ev;
    this.next++;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const wake of waiting) wake();
  }
}

/** The decoded event; a deletion whose last state the backend did not keep carries a
 *  tombstone (undefined without one). Throws ApiError 500 on corrupt bytes. */
function toCached(ev: WatchEvent, tombstone?: (key: string, revision: number) => Obj): CachedEvent | undefined {
  if (ev.type === 'put') {
    let prev: Obj | undefined | null = ev.prev ? null : undefined;
    return {
      type: 'put', key: ev.kv.key, revision: ev.kv.modRevision, object: decode(ev.kv),
      created: ev.kv.createRevision === ev.kv.modRevision,
      prev: () => (prev === null ? (prev = decode(ev.prev!)) : prev),
    };
  }
  if (!ev.prev) return tombstone && { type: 'delete', key: ev.key, revision: ev.revision, object: tombstone(ev.key, ev.revision), created: false, prev: () => undefined };
  const object = decode(ev.prev);
  object.metadata.resourceVersion = String(ev.revision);
  return { type: 'delete', key: ev.key, revision: ev.revision, object, created: false, prev: () => undefined };
}
