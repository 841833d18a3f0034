// Per-key exponential backoff as upstream's client-go flowcontrol.Backoff, which the kubelet
// uses for restarting crashed containers (CrashLoopBackOff) and for failed image pulls
// (ImagePullBackOff): 10 s doubling to 5 min, forgotten when nothing happened for twice the
// maximum (so a container that ran for 10 min starts again from 10 s). No jitter, as the kubelet's.
import type { Clock } from '../../host/clock.js';

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

export class Backoff {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, readonly initialMs = BACKOFF_INITIAL_MS, readonly maxMs = BACKOFF_MAX_MS) {}

  /** The current delay of key (0 when it has none). */
  delayOf(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Records an attempt caused by an event at eventMs: the next delay doubles, or starts over when the last was long ago. */
  next(key: string, eventMs: number): void {
    const e = this.#entries.get(key);
    const delayMs = !e || this.#expired(eventMs, e) ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.#entries.set(key, { delayMs, lastUpdateMs: this.clock.now() });
  }

  /** How long until key may act on an event at eventMs (0: now). Upstream IsInBackOffSince. */
  remainingSince(key: string, eventMs: number): number {
    const e = this.#entries.get(key);
    if (!e || this.#expired(this.clock.now(), e)) return 0;
    return Math.max(0, eventMs + e.delayMs - this.clock.now());
  }

  /** How long until key may try again after its last attempt (0: now). Upstream IsInBackOffSinceUpdate. */
  remainingSinceUpdate(key: string): number {
    const e = this.#entries.get(key);
    if (!e || this.#expired(this.clock.now(), e)) return 0;
    return Math.max(0, e.lastUpdateMs + e.delayMs - this.clock.now());
  }

  /** Forgets the keys that start with prefix (a pod that is gone). */
  forgetPrefix(prefix: string): void {
    for (const k of [...this.#entries.keys()]) if (k.startsWith(prefix)) this.#entries.delete(k);
  }

  /** Drops the entries that have expired anyway. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.#entries) if (this.#expired(now, e)) this.#entries.delete(k);
  }

  #expired(atMs: number, e: Entry): boolean {
    return atMs - e.lastUpdateMs > 2 * this.maxMs;
  }
}

/** A whole-second duration as Go's time.Duration prints it (10s, 1m20s, 5m0s), for upstream's messages. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
