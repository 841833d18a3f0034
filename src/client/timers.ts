// Waiting on the clock: the informer's backoff and the workqueue's delayed adds schedule
// through Timers, so tests step time with ManualTimers instead of sleeping. The Clock says what
// time it is; Timers say when to wake.
import type { FakeClock } from '../host/clock.js';

export interface Timers {
  /** Calls fn once after ms; the returned function cancels it (a no-op once fired). */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Resolves after ms, or at once when signal aborts (never rejects). */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = timers.after(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** Timers that fire only when advance() moves the FakeClock past them, in due order. */
export class ManualTimers implements Timers {
  #pending: Pending[] = [];
  #seq = 0;
  constructor(readonly clock: FakeClock) {}

  after(ms: number, fn: () => void): () => void {
    const entry = { at: this.clock.monotonic() + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(entry);
    return () => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    };
  }

  /** Delays (ms from now) of the timers not yet fired, soonest first. */
  pendingDelays(): number[] {
    const now = this.clock.monotonic();
    return this.#sorted().map((p) => p.at - now);
  }

  /** Moves the clock by ms, firing each timer that falls due, at its own time. */
  advance(ms: number): void {
    const end = this.clock.monotonic() + ms;
    for (;;) {
      const next = this.#sorted()[0];
      if (!next || next.at > end) break;
      this.#pending = this.#pending.filter((p) => p !== next);
      this.clock.advance(next.at - this.clock.monotonic());
      next.fn();
    }
    this.clock.advance(end - this.clock.monotonic());
  }

  #sorted(): Pending[] {
    return [...this.#pending].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
