// What client-go's EventCorrelator (tools/record/events_cache.go) decides before an Event is
// written, as a pure state machine over the Clock: drop it (spam), aggregate it with similar ones
// (same object and reason, other message), or count it as a repeat of one already written
// (same everything: PATCH count and lastTimestamp instead of a new object). Pure: no I/O.
import type { Event } from '../api/types.js';

/** Upstream's defaults. */
export const CORRELATION = {
  /** Similar events (one object, one reason) within the interval before they are combined. */
  maxSimilar: 10,
  similarIntervalMs: 600_000,
  /** Per object and reason: a token bucket of 25 refilled one per 5 minutes. */
  spamBurst: 25,
  spamRefillMs: 300_000,
  /** Entries each cache keeps (upstream maxLruCacheEntries). */
  cacheEntries: 4096,
} as const;

export type Correlation =
  | { action: 'drop' }
  /** A new Event object. */
  | { action: 'create'; event: Event; key: string }
  /** A repeat of the Event named `name`: count and lastTimestamp (and message) patched. */
  | { action: 'patch'; name: string; event: Event; key: string };

/** A Map that forgets its least recently used entry past `max`. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.#map.delete(key);
    this.#map.set(key, v);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value!);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
}

const objectKey = (e: Event) => {
  const o = e.involvedObject;
  return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion].join('\u0000');
};
const spamKey = (e: Event) => [objectKey(e), e.type, e.reason].join('\u0000');
const similarKey = (e: Event) => [objectKey(e), e.involvedObject.fieldPath, e.type, e.reason, e.reportingComponent, e.reportingInstance].join('\u0000');
const exactKey = (e: Event) => [similarKey(e), e.message].join('\u0000');

interface Bucket { tokens: number; at: number }
interface Similar { messages: Set<string>; lastMs: number }
interface Written { name: string; count: number; firstTimestamp?: string }

export class EventCorrelator {
  readonly #spam = new Lru<Bucket>(CORRELATION.cacheEntries);
  readonly #similar = new Lru<Similar>(CORRELATION.cacheEntries);
  readonly #written = new Lru<Written>(CORRELATION.cacheEntries);

  /** `event` as the recorder built it (a fresh name, timestamps of now); `nowMs` the same instant. */
  correlate(event: Event, nowMs: number): Correlation {
    if (!this.#takeToken(spamKey(event), nowMs)) return { action: 'drop' };
    const combined = this.#aggregate(event, nowMs);
    // Combined events are one series whatever their messages: repeats patch the one object.
    const key = combined === event ? exactKey(event) : similarKey(event);
    const seen = this.#written.get(key);
    if (!seen) {
      this.#written.set(key, { name: combined.metadata.name!, count: 1, firstTimestamp: combined.firstTimestamp });
      return { action: 'create', event: combined, key };
    }
    seen.count++;
    return { action: 'patch', name: seen.name, key, event: { ...combined, metadata: { ...combined.metadata, name: seen.name }, count: seen.count, firstTimestamp: seen.firstTimestamp } };
  }

  /** The write of a correlated Event failed for good: the next repeat creates it anew. */
  forget(written: { key: string }): void {
    this.#written.delete(written.key);
  }

  #takeToken(key: string, nowMs: number): boolean {
    const b = this.#spam.get(key) ?? { tokens: CORRELATION.spamBurst, at: nowMs };
    const refill = Math.floor((nowMs - b.at) / CORRELATION.spamRefillMs);
    if (refill > 0) {
      b.tokens = Math.min(CORRELATION.spamBurst, b.tokens + refill);
      b.at += refill * CORRELATION.spamRefillMs;
    }
    this.#spam.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }

  /** Past maxSimilar distinct messages within the interval, the message is upstream's combined one. */
  #aggregate(event: Event, nowMs: number): Event {
    const key = similarKey(event);
    let s = this.#similar.get(key);
    if (!s || nowMs - s.lastMs > CORRELATION.similarIntervalMs) s = { messages: new Set(), lastMs: nowMs };
    s.lastMs = nowMs;
    s.messages.add(event.message ?? '');
    this.#similar.set(key, s);
    if (s.messages.size < CORRELATION.maxSimilar) return event;
    return { ...event, message: `(combined from similar events): ${event.message ?? ''}` };
  }
}
