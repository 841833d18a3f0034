// One Event, two APIs (issue 11): events.k8s.io/v1 and core/v1 Events share core/v1 storage,
// as upstream's, with the field conversion in both directions for every verb.
import test from 'ava';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { coreToEventsV1, eventsV1ToCore } from '../../../src/api/conversion/events.js';
import { toTable } from '../../../src/api/table.js';
import { systemClock } from '../../../src/host/clock.js';
import { startFixture } from './fixture.js';

const hooks = { applyPatch, serverSideApply, updateManagedFields, toTable: (gvk: any, objs: object[], inc: any) => toTable(gvk, objs, inc, systemClock.now()) };
const CORE = '/api/v1/namespaces/default/events';
const NEW = '/apis/events.k8s.io/v1/namespaces/default/events';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

const coreEvent = {
  apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', message: 'started container',
  source: { component: 'kubelet', host: 'n1' }, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:01:00Z',
  count: 3, type: 'Normal', reportingComponent: 'kubelet', reportingInstance: 'n1',
};

test('conversion is field by field and round-trips', (t) => {
  const ev = coreToEventsV1(coreEvent);
  t.like(ev, {
    apiVersion: 'events.k8s.io/v1', regarding: coreEvent.involvedObject, note: 'started container', reportingController: 'kubelet',
    deprecatedSource: coreEvent.source, deprecatedFirstTimestamp: coreEvent.firstTimestamp, deprecatedLastTimestamp: coreEvent.lastTimestamp,
    deprecatedCount: 3, reason: 'Started', type: 'Normal', reportingInstance: 'n1',
  });
  for (const f of ['involvedObject', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'reportingComponent']) t.false(f in ev, f);
  t.deepEqual(eventsV1ToCore(ev), coreEvent);
});

test('an Event created through core/v1 is read, listed, patched and deleted through events.k8s.io/v1', async (t) => {
  const { call, watch } = await startFixture(t, { hooks });
  const w = watch(`${NEW}?watch=true`);
  const made = await call('POST', CORE, coreEvent);
  t.is(made.status, 201, made.text);
  const got = await call('GET', `${NEW}/e1`);
  t.is(got.status, 200, got.text);
  t.like(got.json, { apiVersion: 'events.k8s.io/v1', kind: 'Event', note: 'started container', regarding: { name: 'web' }, deprecatedCount: 3 });
  t.is(got.json.metadata.resourceVersion, made.json.metadata.resourceVersion);
  const list = await call('GET', NEW);
  t.is(list.json.kind, 'EventList');
  t.deepEqual(list.json.items.map((e: any) => [e.apiVersion, e.note]), [['events.k8s.io/v1', 'started container']]);
  const [added] = await w.next(1);
  t.like(added, { type: 'ADDED', object: { apiVersion: 'events.k8s.io/v1', note: 'started container' } });
  const patched = await call('PATCH', `${NEW}/e1`, { note: 'restarted', deprecatedCount: 4 }, MERGE);
  t.is(patched.status, 200, patched.text);
  const back = await call('GET', `${CORE}/e1`);
  t.like(back.json, { apiVersion: 'v1', message: 'restarted', count: 4, involvedObject: { name: 'web' } });
  t.false('note' in back.json);
  const [, modified] = await w.next(2);
  t.like(modified, { type: 'MODIFIED', object: { note: 'restarted' } });
  t.is((await call('DELETE', `${NEW}/e1`)).status, 200);
  t.is((await call('GET', `${CORE}/e1`)).status, 404);
});

test('an Event created through events.k8s.io/v1 is stored once and read through core/v1', async (t) => {
  const { call, watch } = await startFixture(t, { hooks });
  const w = watch(`${CORE}?watch=true`);
  const made = await call('POST', NEW, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e2' },
    eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'skiff.io/test', reportingInstance: 'i1', action: 'Bind', reason: 'Scheduled',
    regarding: { kind: 'Pod', name: 'db', namespace: 'default' }, note: 'bound', type: 'Normal', series: { count: 2, lastObservedTime: '2026-01-01T00:00:05.000000Z' } });
  t.is(made.status, 201, made.text);
  t.is(made.json.apiVersion, 'events.k8s.io/v1');
  t.is(made.json.note, 'bound');
  const core = await call('GET', `${CORE}/e2`);
  t.like(core.json, { apiVersion: 'v1', message: 'bound', reportingComponent: 'skiff.io/test', involvedObject: { name: 'db' }, series: { count: 2 }, action: 'Bind' });
  const [added] = await w.next(1);
  t.like(added, { type: 'ADDED', object: { apiVersion: 'v1', message: 'bound' } });
  const updated = await call('PUT', `${CORE}/e2`, { ...core.json, message: 'rebound' });
  t.is(updated.status, 200, updated.text);
  t.is((await call('GET', `${NEW}/e2`)).json.note, 'rebound');
  t.deepEqual((await call('GET', CORE)).json.items.map((e: any) => e.metadata.name), ['e2']);
  // Field selectors in each API's own field names.
  t.is((await call('GET', `${NEW}?fieldSelector=regarding.name=db,reportingController=skiff.io/test`)).json.items.length, 1);
  t.is((await call('GET', `${NEW}?fieldSelector=regarding.name=web`)).json.items.length, 0);
  t.is((await call('GET', `${CORE}?fieldSelector=involvedObject.name=db`)).json.items.length, 1);
  const table = await call('GET', NEW, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  t.is(table.json.columnDefinitions[0].name, 'Last Seen');
  t.is(table.json.rows[0].cells[6], 'rebound');
});

test('create validation: legacy rules for both APIs, the strict ones for events.k8s.io/v1', async (t) => {
  const { validateObject } = await import('../../../src/api/validation.js');
  const { call } = await startFixture(t, { hooks: { ...hooks, validateObject } });
  const other = await call('POST', CORE, { ...coreEvent, metadata: { name: 'x' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } });
  t.is(other.status, 422);
  t.is(other.json.details.causes[0].message, 'Invalid value: "other": does not match event.namespace');
  const bare = await call('POST', NEW, { metadata: { name: 'y' }, regarding: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'R', deprecatedCount: 2 });
  t.is(bare.status, 422);
  t.deepEqual(bare.json.details.causes.map((c: any) => [c.field, c.message]), [
    ['eventTime', 'Required value'],
    ['type', 'Invalid value: "": has invalid value: '],
    ['deprecatedCount', 'Invalid value: "": needs to be unset'],
  ]);
  const noReporter = await call('POST', NEW, { metadata: { name: 'z' }, eventTime: '2026-01-01T00:00:00.000000Z', type: 'Normal', reason: 'R', action: 'A', regarding: { namespace: 'default' } });
  t.deepEqual(noReporter.json.details.causes.map((c: any) => c.field), ['reportingController', 'reportingController', 'reportingInstance']);
  const fine = await call('POST', CORE, coreEvent);
  t.is(fine.status, 201, fine.text);
});
