// events.k8s.io/v1 Event ⇄ core/v1 Event. Upstream stores one object (core/v1 storage) served
// by both APIs, converting field by field (pkg/apis/events/v1/conversion.go): regarding ⇄
// involvedObject, note ⇄ message, reportingController ⇄ reportingComponent,
// deprecatedSource/-FirstTimestamp/-LastTimestamp/-Count ⇄ source/firstTimestamp/lastTimestamp/
// count; metadata, eventTime, series, action, reason, related, type and reportingInstance are
// the same in both. Pure, total: absent fields stay absent.
type Obj = Record<string, any>;

/** [core/v1 name, events.k8s.io/v1 name] of the fields that are renamed. */
const RENAMED: readonly [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function rename(obj: Obj, from: 0 | 1, apiVersion: string): Obj {
  const to = from === 0 ? 1 : 0;
  const out: Obj = { ...obj, apiVersion, kind: 'Event' };
  for (const pair of RENAMED) {
    const [src, dst] = [pair[from], pair[to]];
    delete out[src];
    // A field the other version does not have (dst set on this side) is not carried over.
    delete out[dst];
    if (obj[src] !== undefined) out[dst] = obj[src];
  }
  return out;
}

/** A stored core/v1 Event as events.k8s.io/v1 serves it. Never throws. */
export const coreToEventsV1 = (core: Obj): Obj => rename(core, 0, 'events.k8s.io/v1');

/** An events.k8s.io/v1 Event as core/v1 stores it. Never throws. */
export const eventsV1ToCore = (ev: Obj): Obj => rename(ev, 1, 'v1');
