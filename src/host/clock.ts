// The clock is a side effect like any other: code that stamps, ages or times out takes a Clock
// so tests can step time instead of sleeping, and so the one place that reads the wall clock
// is here.

export interface Clock {
  /** Milliseconds since the Unix epoch (Date.now). */
  now(): number;
  /** Nanoseconds since the Unix epoch, as CRI timestamps and OCI state are written. */
  nowNanos(): bigint;
  /** Monotonic milliseconds for measuring durations; unrelated to the epoch. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  nowNanos: () => BigInt(Date.now()) * 1_000_000n,
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  #ms: number;
  #mono = 0;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#ms = startMs;
  }
  now(): number {
    return this.#ms;
  }
  nowNanos(): bigint {
    return BigInt(this.#ms) * 1_000_000n;
  }
  monotonic(): number {
    return this.#mono;
  }
  advance(ms: number): void {
    this.#ms += ms;
    this.#mono += ms;
  }
}
