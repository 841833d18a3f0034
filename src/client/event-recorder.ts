// The kubelet's and controllers' `recorder.event(pod, 'Warning', 'BackOff', '...')`: client-go's
// legacy recorder (core/v1 Events, what `kubectl describe` lists), through the correlator so a
// crash loop is one Event with a count, not thousands. Fire and forget: a failed write is logged,
// never thrown at the caller, and the queue is bounded as upstream's (1000) so a slow apiserver
// costs Events, not memory.
import { apiTime } from '../api/go-time.js';
import type { Event, KubeObject, ObjectReference } from '../api/types.js';
import type { Clock } from '../host/clock.js';
import type { Client } from './client.js';
import { isNotFound } from './errors.js';
import { EventCorrelator, type Correlation } from './event-correlator.js';

type Write = Exclude<Correlation, { action: 'drop' }>;

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderDeps {
  client: Client;
  clock: Clock;
  /** source.component and reportingComponent, e.g. 'kubelet'. */
  component: string;
  /** source.host and reportingInstance (the kubelet's node name). */
  host?: string;
  log?: (line: string) => void;
}

const QUEUE_MAX = 1000;
const EVENTS = { group: '', version: 'v1', plural: 'events' } as const;

/** The reference an Event names: the object's identity, and the part of it when fieldPath is given. */
export function referenceTo(obj: KubeObject, fieldPath?: string): ObjectReference {
  const m = obj.metadata;
  return {
    kind: obj.kind, apiVersion: obj.apiVersion, name: m?.name, namespace: m?.namespace, uid: m?.uid,
    resourceVersion: m?.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
  };
}

export class EventRecorder {
  readonly #correlator = new EventCorrelator();
  readonly #queue: Write[] = [];
  #draining: Promise<void> | undefined;
  #lastNanos = 0n;
  #dropped = 0;

  constructor(private readonly deps: EventRecorderDeps) {}

  /** Records that `reason` happened to obj (or its part at fieldPath, e.g. `spec.containers{app}`). */
  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const ms = this.deps.clock.now();
    const correlation = this.#correlator.correlate(this.#build(referenceTo(obj, fieldPath), type, reason, message, ms), ms);
    if (correlation.action === 'drop') return;
    if (this.#queue.length >= QUEUE_MAX) {
      if (this.#dropped++ === 0) this.deps.log?.(`events: queue full (${QUEUE_MAX}), dropping ${reason} for ${obj.metadata?.name ?? ''}`);
      return;
    }
    this.#queue.push(correlation);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  /** Resolves when every Event recorded so far is written (or given up on). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #build(ref: ObjectReference, type: EventType, reason: string, message: string, ms: number): Event {
    const { component, host } = this.deps;
    const at = apiTime(ms);
    return {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${ref.name ?? ''}.${this.#uniqueNanos().toString(16)}`, namespace: ref.namespace || 'default' },
      involvedObject: ref, reason, message, type, count: 1, firstTimestamp: at, lastTimestamp: at,
      source: { component, ...(host ? { host } : {}) }, reportingComponent: component, reportingInstance: host ?? '',
    };
  }

  /** Nanoseconds of now, strictly increasing: two Events within one clock tick get two names. */
  #uniqueNanos(): bigint {
    const now = this.deps.clock.nowNanos();
    this.#lastNanos = now > this.#lastNanos ? now : this.#lastNanos + 1n;
    return this.#lastNanos;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      try {
        await this.#write(next);
      } catch (err) {
        this.#correlator.forget(next);
        this.deps.log?.(`events: ${next.event.reason ?? ''} for ${next.event.involvedObject.name ?? ''} not written: ${(err as Error).message}`);
      }
    }
    this.#dropped = 0;
  }

  async #write(c: Write): Promise<void> {
    const events = this.deps.client.resource<Event>(EVENTS, c.event.metadata.namespace);
    if (c.action === 'create') {
      await events.create(c.event);
      return;
    }
    try {
      await events.patch(c.name, 'strategic', { count: c.event.count, lastTimestamp: c.event.lastTimestamp, message: c.event.message });
    } catch (err) {
      // Expired (TTL) or deleted meanwhile: upstream then creates it anew.
      if (!isNotFound(err)) throw err;
      await events.create({ ...c.event, metadata: { name: c.name, namespace: c.event.metadata.namespace } });
    }
  }
}
