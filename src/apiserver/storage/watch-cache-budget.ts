// One byte bound shared by the watch caches of every resource type (--watch-cache-size-bytes):
// a busy type may use what quiet ones do not, and when the total passes the bound the oldest
// events, whichever type they belong to, go first. Upstream sizes its caches in events per
// type; a node with 2 cores and a few GB needs a bound in bytes (issue 19).

/**
 * 32 MiB: about 3,500 events of 8.8 KB ConfigMaps, or 10,000 events of small objects (the count
 * bound). Measured with one watcher on 1,000 such ConfigMaps under churn: RSS 197 MB (64 MiB: 239 MB),
 * inside issue 19's 200 MB for a 2-core node; a watcher further behind is served from the store.
 */
export const DEFAULT_WATCH_CACHE_BYTES = 32 * 2 ** 20;

/** What the budget needs of a cache. */
export interface BudgetMember {
  /** Append order of its oldest event that may go (undefined: none may). */
  oldestEvictable(): number | undefined;
  /** Drops its oldest event; returns the bytes freed. */
  evictOldest(): number;
}

export class WatchCacheBudget {
  private used = 0;
  private stamp = 0;
  private readonly members = new Set<BudgetMember>();

  constructor(readonly limit: number = DEFAULT_WATCH_CACHE_BYTES) {}

  /** Bytes the caches hold now. */
  get bytes(): number { return this.used; }

  join(member: BudgetMember): void { this.members.add(member); }

  /** A cache stopped: what it held is given back. */
  leave(member: BudgetMember, bytes: number): void {
    this.members.delete(member);
    this.used -= bytes;
  }

  /** Bytes a cache gave back on its own (its count bound). */
  give(bytes: number): void { this.used -= bytes; }

  /** The append order of a new event. */
  nextStamp(): number { return this.stamp++; }

  /** Takes `bytes` for a new event, then evicts the oldest events until the total fits (or nothing more may go). */
  take(bytes: number): void {
    this.used += bytes;
    while (this.used > this.limit) {
      let oldest: BudgetMember | undefined;
      let oldestStamp = Infinity;
      for (const m of this.members) {
        const s = m.oldestEvictable();
        if (s !== undefined && s < oldestStamp) [oldest, oldestStamp] = [m, s];
      }
      if (!oldest) return;
      this.used -= oldest.evictOldest();
    }
  }
}
