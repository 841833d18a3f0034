import { systemClock, type Clock } from '../host/clock.js';
import type { Store } from './types.js';

// Automatic compaction as kube-apiserver does it: every interval, compact to the revision seen
// one interval ago, so history always covers at least the last interval (watchers that fall
// that far behind relist), and additionally at least the last `keepRevisions` revisions.
// Size, not time, is what fills a disk under churn: when the store's bytes on disk pass
// `maxDbBytes`, a round runs early and compacts up to the newest `keepRevisions`.

export interface CompactionReport {
  /** The new compaction point. */
  revision: number;
  /** Revisions whose history this round forgot (new point minus the previous one). */
  removedRevisions: number;
  /** Store.stats().dbBytes before and after the round. */
  bytesBefore: number;
  bytesAfter: number;
  /** Wall time of the round, compaction and space reclaiming included. */
  ms: number;
  /** What started it. */
  trigger: 'interval' | 'size';
}

export interface AutoCompaction {
  /** Default 5 minutes, kube-apiserver's --etcd-compaction-interval; 0 turns the timed rounds off. */
  intervalMs?: number;
  /** Never compact the newest this many revisions (default 1000). */
  keepRevisions?: number;
  /** Compact early when the store's in-use bytes (data and history) pass this (default: no bound). */
  maxDbBytes?: number;
  /** How often the size is checked when maxDbBytes is set (default 10 s). */
  sizeCheckMs?: number;
  /** Told about each round that compacted something. */
  onCompacted?: (report: CompactionReport) => void;
  /** Told about a failed round; the next round tries again. */
  onError?: (err: unknown) => void;
  /** Times the rounds (default: the system clock). */
  clock?: Clock;
}

/** One store's compaction rounds; the timers are startAutoCompaction's. */
export class AutoCompactor {
  private readonly keep: number;
  private readonly clock: Clock;
  /** The revision the previous interval round saw: the next one compacts up to it. */
  private seen: number | undefined;
  private running = false;

  constructor(private readonly store: Store, private readonly opts: AutoCompaction = {}) {
    this.keep = opts.keepRevisions ?? 1000;
    this.clock = opts.clock ?? systemClock;
  }

  /** Runs one round unless one is running; never rejects (errors go to onError). */
  async round(trigger: CompactionReport['trigger']): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const before = await this.store.stats();
      // In-use bytes, not the file: etcd keeps its file until defragmented, and SQLite's free
      // pages are given back by the compaction itself, so only data and history count.
      if (trigger === 'size' && !(before.inUseBytes > (this.opts.maxDbBytes ?? Infinity))) return;
      const now = before.revision;
      const target = trigger === 'size' ? now - this.keep : Math.min(this.seen ?? 0, now - this.keep);
      if (trigger === 'interval') this.seen = now;
      if (target <= before.compactRevision) return;
      const started = this.clock.monotonic();
      await this.store.compact(target);
      const after = await this.store.stats();
      this.opts.onCompacted?.({
        revision: target,
        removedRevisions: target - before.compactRevision,
        bytesBefore: before.dbBytes,
        bytesAfter: after.dbBytes,
        ms: this.clock.monotonic() - started,
        trigger,
      });
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.running = false;
    }
  }
}

/** Starts compacting store periodically; returns the function that stops it. Never throws. */
export function startAutoCompaction(store: Store, opts: AutoCompaction = {}): () => void {
  const compactor = new AutoCompactor(store, opts);
  const timers: NodeJS.Timeout[] = [];
  const intervalMs = opts.intervalMs ?? 5 * 60_000;
  if (intervalMs > 0) timers.push(setInterval(() => void compactor.round('interval'), intervalMs));
  if (opts.maxDbBytes !== undefined) timers.push(setInterval(() => void compactor.round('size'), opts.sizeCheckMs ?? 10_000));
  for (const t of timers) t.unref();
  return () => timers.forEach((t) => clearInterval(t));
}
