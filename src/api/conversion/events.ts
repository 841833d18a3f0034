// events.k8s.io/v1 Event ⇄ core/v1 Event. Upstream stores one object (core/v1 storage) served
// by both APIs, converting field by field (pkg/apis/events/v1/conversion.go): regarding ⇄
// involvedObject, note ⇄ message, reportingController ⇄ reportingComponent,
// deprecatedSource/-FirstTimestamp/-LastTimestamp/-Count ⇄ source/firstTimestamp/lastTimestamp/
// count; metadata, eventTime, series, action, reason, related, type and reportingInstance are
// the same in both. Pure, total: absent fields stay absent.
import type { Event, EventsV1Event, KubeObject } from '../types.js';

/** [core/v1 name, events.k8s.io/v1 name] of the fields that are renamed. */
const RENAMED = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
] as const;

function rename(obj: KubeObject, from: 0 | 1, apiVersion: string): KubeObject {
  const to = from === 0 ? 1 : 0;
  const out: KubeObject = { ...obj, apiVersion, kind: 'Event' };
  for (const pair of RENAMED) {
    const [src, dst] = [pair[from], pair[to]];
    delete out[src];
    // A field the other version does not have (dst set on this side) is not carried over.
    delete out[dst];
    if (obj[src] !== undefined) out[dst] = obj[src];
  }
  return out;
}

// The renames above are exactly the fields in which the two Event types differ.

/** A stored core/v1 Event as events.k8s.io/v1 serves it. Never throws. */
export const coreToEventsV1 = (core: Event): EventsV1Event => rename(core, 0, 'events.k8s.io/v1') as EventsV1Event;

/** An events.k8s.io/v1 Event as core/v1 stores it. Never throws. */
export const eventsV1ToCore = (ev: EventsV1Event): Event => rename(ev, 1, 'v1') as Event;
