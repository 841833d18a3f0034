// Answers kept for a while (the kubelet's token and authorization caches), aged by the
// injected Clock. Bounded: past MAX entries the oldest go first, so a stream of distinct
// bogus tokens cannot grow memory without limit.
import type { Clock } from '../../host/clock.js';

const MAX = 4096;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly clock: Clock) {}

  /** The value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.clock.monotonic() >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: this.clock.monotonic() + ttlMs });
  }
}
