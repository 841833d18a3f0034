import type { Store } from './types.js';

// Automatic compaction as kube-apiserver does it: every interval, compact to the revision seen
// one interval ago, so history always covers at least the last interval (watchers that fall
// that far behind relist), and additionally at least the last `keepRevisions` revisions.

export interface AutoCompaction {
  /** Default 5 minutes, kube-apiserver's --etcd-compaction-interval. */
  intervalMs?: number;
  /** Never compact the newest this many revisions (default 1000). */
  keepRevisions?: number;
  /** Told about a failed round; the next round tries again. */
  onError?: (err: unknown) => void;
}

/** Starts compacting store periodically; returns the function that stops it. Never throws. */
export function startAutoCompaction(store: Store, opts: AutoCompaction = {}): () => void {
  const keep = opts.keepRevisions ?? 1000;
  let seen: number | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = await store.revision();
      if (seen !== undefined) {
        const target = Math.min(seen, now - keep);
        if (target > 0) await store.compact(target);
      }
      seen = now;
    } catch (err) {
      opts.onError?.(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 5 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
