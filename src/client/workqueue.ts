// A rate-limited work queue with client-go's semantics, for level-triggered reconcilers:
// a key queued twice is queued once; a key is handed to one worker at a time, and if it is
// added again while being processed it is queued again when done(); failed keys come back
// after a per-key exponential backoff (5 ms doubling to 1000 s, client-go's default item
// limiter) until forget(); addAfter waits on Timers. Shutdown stops new adds; queued keys
// are still handed out, and shutDownWithDrain waits until workers have finished them.
import type { Clock } from '../host/clock.js';
import { ItemExponentialRateLimiter, type RateLimiter } from './rate-limiters.js';
import type { Timers } from './timers.js';

export interface WorkQueueDeps {
  /** Orders addAfter's due times (monotonic). */
  clock: Clock;
  /** Wakes addAfter's keys: ManualTimers on the same FakeClock in tests. */
  timers: Timers;
  /** How long addRateLimited waits (default: the per-item 5 ms..1000 s limiter; controllers take defaultControllerRateLimiter). */
  rateLimiter?: RateLimiter;
}

export class WorkQueue {
  readonly #queue: string[] = [];
  /** Keys that need processing: queued, or added again while processing. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  /** Keys waiting for addAfter: when they are due and how to cancel. */
  readonly #waiting = new Map<string, { at: number; cancel: () => void }>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #drained: (() => void)[] = [];
  readonly #limiter: RateLimiter;
  #shuttingDown = false;

  constructor(private readonly deps: WorkQueueDeps) {
    this.#limiter = deps.rateLimiter ?? new ItemExponentialRateLimiter();
  }

  /** Queues key unless it is already queued; ignored after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // done() queues it again
    this.#queue.push(key);
    this.#dispatch();
  }

  /** Adds key after ms (at once when ms <= 0). A key already waiting keeps the earlier time. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.deps.clock.monotonic() + ms;
    const waiting = this.#waiting.get(key);
    if (waiting && waiting.at <= at) return;
    waiting?.cancel();
    const cancel = this.deps.timers.after(ms, () => {
      this.#waiting.delete(key);
      this.add(key);
    });
    this.#waiting.set(key, { at, cancel });
  }

  /** Adds key after its rate limiter's backoff (5 ms, 10 ms, ... by default). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Ends key's backoff: its next failure starts from the base delay again. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /** Queued keys (not those processing or waiting). */
  len(): number {
    return this.#queue.length;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** The next key, now processing; undefined once shut down with nothing queued. Call done(key) after. */
  get(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.#getters.push(resolve);
      this.#dispatch();
    });
  }

  /** Marks key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#queue.push(key);
      this.#dispatch();
    }
    this.#checkDrained();
  }

  /** Stops accepting keys and cancels pending addAfter; waiting workers get undefined once the queue is empty. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { cancel } of this.#waiting.values()) cancel();
    this.#waiting.clear();
    this.#dispatch();
    this.#checkDrained();
  }

  /** shutDown, then resolves when every queued and processing key is done. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
    this.shutDown();
    return drained;
  }

  #dispatch(): void {
    while (this.#getters.length > 0) {
      const key = this.#queue.shift();
      if (key === undefined) break;
      this.#dirty.delete(key);
      this.#processing.add(key);
      this.#getters.shift()?.(key);
    }
    if (this.#shuttingDown && this.#queue.length === 0) for (const g of this.#getters.splice(0)) g(undefined);
  }

  #checkDrained(): void {
    if (this.#shuttingDown && this.#queue.length === 0 && this.#processing.size === 0) for (const d of this.#drained.splice(0)) d();
  }
}

/**
 * One worker: takes keys until shutdown, runs reconcile, forgets the key's backoff on success
 * and requeues it rate-limited on failure (onError hears why). Run several for parallelism;
 * the queue still gives a key to one of them at a time.
 */
export async function runWorker(queue: WorkQueue, reconcile: (key: string) => Promise<void>, onError?: (key: string, err: unknown) => void): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (err) {
      onError?.(key, err);
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
  }
}
