import test from 'ava';
import { validateObject } from '../../../src/api/validation.js';

const CORE = { group: '', version: 'v1', kind: 'Event' };
const V1 = { group: 'events.k8s.io', version: 'v1', kind: 'Event' };
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const when = '2026-01-01T00:00:00.000000Z';

// The legacy rules read the fields each API names differently under its own names:
// involvedObject/regarding, reportingComponent/reportingController, message/note.
test('an events.k8s.io/v1 Event is checked under its own field names, as its core form would be', (t) => {
  const v1 = (extra: object) => ({ metadata: { name: 'e', namespace: 'default' }, eventTime: when, type: 'Normal', reportingController: 'skiff.io/test',
    reportingInstance: 'i1', action: 'Bind', reason: 'Scheduled', regarding: { kind: 'Pod', name: 'db', namespace: 'default' }, ...extra });
  t.deepEqual(validateObject(V1, v1({})), []);
  // An object without a namespace is cluster-scoped: its events live in default or kube-system.
  const team = { metadata: { name: 'e', namespace: 'team' } };
  t.deepEqual(shape(validateObject(V1, v1({ ...team, regarding: { kind: 'Node', name: 'n1' } }))), [['involvedObject.namespace', 'Invalid value: "": does not match event.namespace']]);
  t.deepEqual(shape(validateObject(V1, v1({ note: 'x'.repeat(1025) }))), [['note', 'Invalid value: "": can have at most 1024 characters']]);
  t.deepEqual(shape(validateObject(V1, v1({ reportingController: 'Not A Name!' }))).map(([f]) => f), ['reportingController']);
  // The core names mean nothing to events.k8s.io/v1 and are not read there.
  t.deepEqual(validateObject(V1, v1({ ...team, regarding: { kind: 'Pod', name: 'db', namespace: 'team' }, message: 'x'.repeat(1025), involvedObject: {} })), []);
});

test('a core/v1 Event with an eventTime needs its reporter; its message is capped', (t) => {
  const core = (extra: object) => ({ metadata: { name: 'e', namespace: 'default' }, eventTime: when, reportingComponent: 'skiff.io/test',
    reportingInstance: 'i1', action: 'Bind', reason: 'Scheduled', involvedObject: { kind: 'Pod', name: 'db', namespace: 'default' }, ...extra });
  t.deepEqual(validateObject(CORE, core({})), []);
  t.deepEqual(shape(validateObject(CORE, core({ message: 'x'.repeat(1025) }))), [['message', 'Invalid value: "": can have at most 1024 characters']]);
  t.deepEqual(shape(validateObject(CORE, core({ reportingComponent: undefined }))).map(([f]) => f), ['reportingComponent', 'reportingComponent']);
  t.deepEqual(shape(validateObject(CORE, core({ metadata: { name: 'e', namespace: 'team' }, involvedObject: { kind: 'Node', name: 'n1' } }))),
    [['involvedObject.namespace', 'Invalid value: "": does not match event.namespace']]);
});
