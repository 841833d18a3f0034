// The watch cache of one resource type (upstream's cacher): one store watch per resource
// prefix, its events in a buffer bounded in count and, with every other type's, in bytes
// (watch-cache-budget.ts; oldest evicted first), each held as its stored bytes and decoded on
// demand (cached-event.ts), and every HTTP watch of that type reading the buffer with its own
// cursor and filter (namespace, selectors). Publishing costs one wake-up per waiting watcher,
// so 1,000 watchers do not mean 1,000 store watches.
// A watcher whose cursor falls out of the buffer (it did not keep up) is terminated, as upstream
// closes unresponsive watchers: its client rewatches from the last resourceVersion it saw.
import type { Store } from '../../store/types.js';
import { CachedEvent } from './cached-event.js';
import type { Obj } from './codec.js';
import { TurnHold } from './turn-hold.js';
import { WatchCacheBudget, type BudgetMember } from './watch-cache-budget.js';

export { CachedEvent } from './cached-event.js';

/** Events kept per resource type at most, whatever their size (the byte bound is the budget's). */
export const RING_CAPACITY = 10_000;

/** Ends a cursor: the watcher fell out of the buffer, or the cache stopped. */
export class CursorLost extends Error {
  override readonly name = 'CursorLost';
}

export interface CacherOptions {
  /** Events kept at most (default RING_CAPACITY). */
  capacity?: number;
  /** The byte bound shared with the other types' caches (default: one of its own, 32 MiB). */
  budget?: WatchCacheBudget;
  /** Makes the object of a deletion the store reports without its old value. */
  tombstone?: (key: string, revision: number) => Obj;
}

export class Cacher implements BudgetMember {
  /** The cached events, oldest first, from `events[head]` (sequence number `base`) on. */
  private events: (CachedEvent | undefined)[] = [];
  private stamps: number[] = [];
  private head = 0;
  private base = 0;
  /** The newest cached event of each key, for sharing its value as the next event's previous one. */
  private readonly latest = new Map<string, CachedEvent>();
  private held = 0;
  /** Every event with a revision above this one is still in the buffer. */
  private floor: number;
  /** The revision the cache is current to: its newest event's, or where its store watch began. */
  private current: number;
  private stopped = false;
  private readonly waiting = new Set<() => void>();
  private readonly abort = new AbortController();
  /** Decoded objects of its events, kept for the turn that decoded them. */
  private readonly hold = new TurnHold();
  readonly capacity: number;
  private readonly budget: WatchCacheBudget;
  private readonly tombstone?: (key: string, revision: number) => Obj;

  /** Starts watching `prefix` from `revision` (the store's current one). Never throws; a store failure stops the cache. */
  constructor(private readonly store: Store, readonly prefix: string, revision: number, private readonly onStop: () => void, opts: CacherOptions = {}) {
    this.capacity = opts.capacity ?? RING_CAPACITY;
    this.budget = opts.budget ?? new WatchCacheBudget();
    this.tombstone = opts.tombstone;
    this.floor = revision;
    this.current = revision;
    this.budget.join(this);
    void this.pump(revision);
  }

  /** Events held now. */
  get size(): number { return this.events.length - this.head; }

  /** Bytes held now (values and overhead). */
  get bytes(): number { return this.held; }

  /** Sequence number after the newest event. */
  private get next(): number { return this.base + this.size; }

  private at(seq: number): CachedEvent { return this.events[this.head + seq - this.base]!; }

  get alive(): boolean { return !this.stopped; }

  /** The first sequence number holding an event above `revision`, or undefined when `revision` is older than the buffer. */
  cursorAfter(revision: number): number | undefined {
    if (this.stopped || revision < this.floor) return undefined;
    let lo = this.base;
    let hi = this.next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events from sequence `cursor` on (possibly none), the cursor after them, and the revision
   * the cache is current to with them (what a bookmark may carry once they are sent). Throws
   * CursorLost when the cursor was evicted (a slow watcher) or the cache stopped.
   */
  read(cursor: number): { events: CachedEvent[]; cursor: number; revision: number } {
    if (this.stopped) throw new CursorLost('the watch cache stopped');
    if (cursor < this.base) throw new CursorLost('the watcher fell behind the watch cache');
    const events: CachedEvent[] = [];
    for (let seq = cursor; seq < this.next; seq++) events.push(this.at(seq));
    return { events, cursor: this.next, revision: this.current };
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
    // Everything goes at once: a stopped cache serves no one.
    this.budget.leave(this, this.held);
    this.held = 0;
    this.events = [];
    this.stamps = [];
    this.head = 0;
    this.latest.clear();
    this.onStop();
    this.wakeAll();
  }

  private async pump(from: number): Promise<void> {
    try {
      for await (const ev of this.store.watch(this.prefix, from, this.abort.signal)) {
        const key = ev.type === 'put' ? ev.kv.key : ev.key;
        const cached = CachedEvent.of(ev, this.latest.get(key), this.hold, this.tombstone);
        // A change the cache cannot show (a deletion without its last state) still moves it on.
        if (cached) this.append(cached);
        else this.current = ev.type === 'put' ? ev.kv.modRevision : ev.revision;
      }
    } catch {
      // Compacted under us or the backend went away: watchers end and their clients rewatch,
      // which builds a fresh cache (or falls back to the store for resourceVersions before it).
    } finally {
      this.stop();
    }
  }

  private append(ev: CachedEvent): void {
    if (this.stopped) return;
    this.events.push(ev);
    this.current = ev.revision;
    this.stamps.push(this.budget.nextStamp());
    this.latest.set(ev.key, ev);
    this.held += ev.charge;
    if (this.size > this.capacity) this.budget.give(this.freeOldest());
    this.budget.take(ev.charge);
    this.wakeAll();
  }

  oldestEvictable(): number | undefined {
    // The newest event stays: a watcher at the head of the stream always has its place.
    return this.size > 1 ? this.stamps[this.head] : undefined;
  }

  evictOldest(): number {
    return this.freeOldest();
  }

  /** Drops the oldest event; returns the bytes given back (its value stays when a later write of the key took it as previous value). */
  private freeOldest(): number {
    const ev = this.events[this.head]!;
    this.events[this.head] = undefined;
    this.head++;
    this.base++;
    this.floor = ev.revision;
    if (this.latest.get(ev.key) === ev) this.latest.delete(ev.key);
    let freed = ev.charge;
    if (ev.successor && ev.value) {
      ev.successor.charge += ev.value.length;
      freed -= ev.value.length;
    }
    this.held -= freed;
    // The array gives its slots back once most of it is evicted.
    if (this.head >= 1024 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    return freed;
  }

  private wakeAll(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const wake of waiting) wake();
  }
}
