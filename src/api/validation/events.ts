// Events on create (upstream core/validation/events.go ValidateEventCreate): every Event passes
// the legacy checks (its object's namespace matches its own; one with an eventTime names its
// reporter, action and reason); one created through events.k8s.io/v1 must also be a "new"
// Event: eventTime set, type Normal|Warning, the deprecated fields unset, a series of 2 or more.
import { type Errs, invalid, type Keys, qualifiedNameProblems, required } from './field.js';
import { isObject, type Event, type EventsV1Event, type JsonObject } from '../types.js';

const LIMITS = { reportingInstance: 128, action: 128, reason: 128 } as const;
const NOTE_LIMIT = 1024;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

const namespaceOf = (o: unknown) => str(isObject(o) ? o.namespace : undefined);

/** Where the legacy checks read an Event's renamed fields (the rest are named alike in both versions). */
type Names =
  | { object: 'involvedObject' & keyof Event; reporting: 'reportingComponent' & keyof Event; message: 'message' & keyof Event }
  | { object: 'regarding' & keyof EventsV1Event; reporting: 'reportingController' & keyof EventsV1Event; message: 'note' & keyof EventsV1Event };
const CORE: Names = { object: 'involvedObject', reporting: 'reportingComponent', message: 'message' };
const EVENTS_V1: Names = { object: 'regarding', reporting: 'reportingController', message: 'note' };

// The body is read in place under either version's names rather than converted: a body that is
// being validated is not yet an Event the conversion may assume.
function legacy(errs: Errs, e: JsonObject, names: Names): void {
  const ns = namespaceOf(e.metadata);
  const objNs = namespaceOf(e[names.object]);
  const mismatch = () => errs.push(invalid('involvedObject.namespace', objNs, 'does not match event.namespace'));
  if (!e.eventTime) {
    if (objNs === '' ? ns !== '' && ns !== 'default' : ns !== objNs) mismatch();
    return;
  }
  if (objNs === '' && ns !== 'default' && ns !== 'kube-system') mismatch();
  const controller = str(e[names.reporting]);
  if (!controller) errs.push(required(names.reporting));
  for (const m of qualifiedNameProblems(controller)) errs.push(invalid(names.reporting, controller, m));
  for (const f of ['reportingInstance', 'action', 'reason'] as const satisfies Keys<Event> & Keys<EventsV1Event>) {
    const limit = LIMITS[f];
    const v = str(e[f]);
    if (!v) errs.push(required(f));
    if (v.length > limit) errs.push(invalid(f, '', `can have at most ${limit} characters`));
  }
  if (str(e[names.message]).length > NOTE_LIMIT) errs.push(invalid(names.message, '', `can have at most ${NOTE_LIMIT} characters`));
}

/** A core/v1 Event on create. */
export function validateCoreEvent(errs: Errs, o: JsonObject, old?: JsonObject): void {
  if (!old) legacy(errs, o, CORE);
}

/** An events.k8s.io/v1 Event on create: legacy rules on its core form, then the strict ones. */
export function validateEventsV1Event(errs: Errs, o: JsonObject, old?: JsonObject): void {
  if (old) return;
  legacy(errs, o, EVENTS_V1);
  if (isObject(o.series)) {
    if (typeof o.series.count !== 'number' || o.series.count < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!o.series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  }
  if (!o.eventTime) errs.push(required('eventTime'));
  if (o.type !== 'Normal' && o.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${str(o.type)}`));
  if (o.deprecatedFirstTimestamp) errs.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (o.deprecatedLastTimestamp) errs.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (o.deprecatedCount) errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  if (isObject(o.deprecatedSource) && (o.deprecatedSource.component || o.deprecatedSource.host)) errs.push(invalid('deprecatedSource', '', 'needs to be unset'));
}
