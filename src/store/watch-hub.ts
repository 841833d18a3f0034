import { errors, eventKey } from './keys.js';
import type { WatchEvent } from './types.js';

// One fan-out per store for backends whose history is local and synchronous (memory, SQLite).
// A committed write is published once; each watcher filters it into its own queue. A watcher
// starts, and falls back when its queue overflows (a slow reader: 10,000 events or 16 MiB of
// values), in catch-up mode: it reads history in batches and turns live again once it has
// read up to the current revision. The switch is exact because history reads and publishes
// are synchronous: nothing can commit between the last history batch and going live.

/** What the hub needs from a backend: its history, read synchronously. */
export interface History {
  revision(): number;
  compactRevision(): number;
  /** Events under prefix with after < revision <= until, in revision order, at most limit. */
  events(prefix: string, after: number, until: number, limit: number): WatchEvent[];
}

const BATCH = 512;
/** Past this many undelivered events a watcher drops its queue and catches up from history. */
const MAX_QUEUE = 10_000;
/**
 * ...or past this many bytes of them: 10,000 events of 8.8 KB objects with their prev values
 * are 176 MB held for one slow watcher, while history can hand them out again at no cost.
 */
const MAX_QUEUE_BYTES = 16 * 1024 * 1024;

const revisionOf = (ev: WatchEvent): number => (ev.type === 'put' ? ev.kv.modRevision : ev.revision);

/** Bytes an event holds: the values it carries (keys and numbers are small next to them). */
export const eventBytes = (ev: WatchEvent): number => (ev.type === 'put' ? ev.kv.value.length : 0) + (ev.prev?.value.length ?? 0);

class Watcher {
  queue: WatchEvent[] = [];
  /** Bytes of the events in queue. */
  bytes = 0;
  live = false;
  /** Last revision queued (live) or read from history (catch-up). */
  cursor: number;
  /** Last revision handed to the consumer. */
  yielded: number;
  private wake: (() => void) | undefined;

  constructor(readonly prefix: string, after: number, private readonly maxBytes: number) {
    this.cursor = after;
    this.yielded = after;
  }

  offer(events: readonly WatchEvent[]): void {
    if (!this.live) return;
    for (const ev of events) {
      if (revisionOf(ev) <= this.cursor || !eventKey(ev).startsWith(this.prefix)) continue;
      this.queue.push(ev);
      this.bytes += eventBytes(ev);
      this.cursor = revisionOf(ev);
    }
    if (this.queue.length > MAX_QUEUE || this.bytes > this.maxBytes) {
      this.queue = [];
      this.bytes = 0;
      this.live = false;
      this.cursor = this.yielded;
    }
    this.notify();
  }

  next(): WatchEvent | undefined {
    const ev = this.queue.shift();
    if (ev) this.bytes -= eventBytes(ev);
    return ev;
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  sleep(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  /** maxQueueBytes: per watcher, past which it falls back to history (default 16 MiB). */
  constructor(private readonly history: History, private readonly maxQueueBytes = MAX_QUEUE_BYTES) {}

  /** Bytes of undelivered events held for all watchers (for metrics and tests). */
  queuedBytes(): number {
    let total = 0;
    for (const w of this.watchers) total += w.bytes;
    return total;
  }

  /** Hands committed events (in revision order) to every live watcher. Never throws. */
  publish(events: readonly WatchEvent[]): void {
    for (const w of this.watchers) w.offer(events);
  }

  /** Store.watch for a backend with synchronous history; see types.ts for the contract. */
  async *watch(prefix: string, after: number, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    if (this.closed) throw errors.closed();
    const w = new Watcher(prefix, after, this.maxQueueBytes);
    const onAbort = () => w.notify();
    signal.addEventListener('abort', onAbort);
    this.watchers.add(w);
    try {
      while (!signal.aborted && !this.closed) {
        const ev = w.next();
        if (ev) {
          w.yielded = revisionOf(ev);
          yield ev;
        } else if (!w.live) {
          this.catchUp(w);
        } else {
          await w.sleep();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(w);
    }
  }

  /** Ends every watch (they return normally; callers rewatch elsewhere). */
  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.notify();
  }

  private catchUp(w: Watcher): void {
    const compacted = this.history.compactRevision();
    if (w.cursor < compacted) throw errors.compacted(w.cursor, compacted);
    const until = this.history.revision();
    const batch = this.history.events(w.prefix, w.cursor, until, BATCH);
    w.queue.push(...batch);
    for (const ev of batch) w.bytes += eventBytes(ev);
    if (batch.length < BATCH) {
      w.live = true;
      w.cursor = until;
    } else {
      w.cursor = revisionOf(batch[batch.length - 1]!);
    }
  }
}
