import test from 'ava';
import type { Event, KubeObject } from '../../../src/api/types.js';
import { apiTime as rfc3339 } from '../../../src/api/go-time.js';
import { EventRecorder } from '../../../src/client/event-recorder.js';
import { FakeClock } from '../../../src/host/clock.js';
import { POD, podObject, startClientFixture } from './client-fixture.js';

const EVENTS = { group: '', version: 'v1', plural: 'events' } as const;

test('events reach the apiserver as core/v1 Events; a repeat is one Event with count 2; kubectl-style fields set', async (t) => {
  const { client } = await startClientFixture(t);
  const pod = await client.resource<KubeObject>(POD, 'default').create(podObject('web'));
  const clock = new FakeClock(Date.parse('2026-12-07T10:00:00.250Z'));
  const logs: string[] = [];
  const recorder = new EventRecorder({ client, clock, component: 'kubelet', host: 'node-1', log: (l) => logs.push(l) });
  recorder.event(pod, 'Normal', 'Pulling', 'Pulling image "busybox"', 'spec.containers{c}');
  recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container c');
  await recorder.flush();
  clock.advance(30_000);
  recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container c');
  await recorder.flush();

  const list = await client.resource<Event>(EVENTS, 'default').list();
  t.deepEqual(logs, []);
  t.is(list.items.length, 2);
  const pulling = list.items.find((e) => e.reason === 'Pulling')!;
  t.like(pulling, {
    type: 'Normal', count: 1, message: 'Pulling image "busybox"', source: { component: 'kubelet', host: 'node-1' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: pod.metadata.uid, fieldPath: 'spec.containers{c}' },
    firstTimestamp: '2026-12-07T10:00:00Z', reportingComponent: 'kubelet', reportingInstance: 'node-1',
  });
  t.regex(pulling.metadata.name!, /^web\.[0-9a-f]+$/);
  const backoff = list.items.find((e) => e.reason === 'BackOff')!;
  t.like(backoff, { count: 2, firstTimestamp: '2026-12-07T10:00:00Z', lastTimestamp: '2026-12-07T10:00:30Z' });
  t.not(pulling.metadata.name, backoff.metadata.name);
});

test('a repeat whose Event is gone (expired) is created again; a refused write is logged, not thrown', async (t) => {
  const { client, clientWith } = await startClientFixture(t);
  const pod = await client.resource<KubeObject>(POD, 'default').create(podObject('api'));
  const clock = new FakeClock(Date.parse('2026-12-07T10:00:00Z'));
  const recorder = new EventRecorder({ client, clock, component: 'kubelet', host: 'n' });
  recorder.event(pod, 'Normal', 'Started', 'Started container c');
  await recorder.flush();
  const events = client.resource<Event>(EVENTS, 'default');
  const [first] = (await events.list()).items;
  await events.delete(first!.metadata.name!);
  clock.advance(1000);
  recorder.event(pod, 'Normal', 'Started', 'Started container c');
  await recorder.flush();
  const again = (await events.list()).items;
  t.is(again.length, 1);
  t.like(again[0], { metadata: { name: first!.metadata.name }, count: 2 });

  // Anonymous may not write Events: the recorder logs and carries on.
  const logs: string[] = [];
  const anonymous = new EventRecorder({ client: clientWith({}), clock, component: 'kubelet', log: (l) => logs.push(l) });
  anonymous.event(pod, 'Warning', 'Failed', 'boom');
  await anonymous.flush();
  t.is(logs.length, 1);
  t.regex(logs[0]!, /^events: Failed for api not written: .*forbidden/);
});

test('rfc3339 is whole seconds in UTC, as metav1.Time marshals', (t) => {
  t.is(rfc3339(Date.parse('2026-01-02T03:04:05.999Z')), '2026-01-02T03:04:05Z');
});
