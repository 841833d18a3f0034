// How long a failed key waits before its retry, as client-go's workqueue rate limiters: per
// key exponential, an overall token bucket, and the larger of several.
import type { Clock } from '../host/clock.js';

/** How long a key waits before its next retry. */
export interface RateLimiter {
  /** The delay for key's next retry; counts the retry. */
  when(key: string): number;
  /** Clears key's retry count (it succeeded, or is given up on). */
  forget(key: string): void;
  numRequeues(key: string): number;
}

/** base·2^failures ms, capped at max: client-go's ItemExponentialFailureRateLimiter. */
export class ItemExponentialRateLimiter implements RateLimiter {
  readonly #failures = new Map<string, number>();
  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}

  when(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * One token bucket for all keys (golang.org/x/time/rate's reservation): qps tokens a second
 * up to burst; each call takes a token, waiting for it when the bucket is empty. forget and
 * numRequeues do nothing, as client-go's BucketRateLimiter.
 */
export class BucketRateLimiter implements RateLimiter {
  #tokens: number;
  #at: number;
  constructor(private readonly clock: Clock, private readonly qps = 10, private readonly burst = 100) {
    this.#tokens = burst;
    this.#at = clock.monotonic();
  }

  when(): number {
    const now = this.clock.monotonic();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.qps);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The longest delay of its limiters (each counts the retry); forget forgets in all. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(...this.#limiters.map((l) => l.numRequeues(key)));
  }
}

/** client-go's DefaultControllerRateLimiter: per key 5 ms..1000 s, overall 10 qps with a burst of 100. */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter(), new BucketRateLimiter(clock, 10, 100));
}
