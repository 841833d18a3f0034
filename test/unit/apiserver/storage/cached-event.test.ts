// A cached event's decoded objects are shared by the watchers of the turn that decoded them and
// then let go: the event itself keeps only its bytes. Through a WeakRef (before) V8's minor GC
// kept every decoded object alive and promoted it to old space (issue 19's RSS under churn).
import test from 'ava';
import { CachedEvent } from '../../../../src/apiserver/storage/cached-event.js';
import { encode } from '../../../../src/apiserver/storage/codec.js';
import { TurnHold } from '../../../../src/apiserver/storage/turn-hold.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const key = '/registry/core/configmaps/a/one';
const cm = (blob: string) => encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'a' }, data: { blob } });

function update(): CachedEvent {
  const ev = CachedEvent.of({
    type: 'put',
    kv: { key, value: cm('new'), createRevision: 2, modRevision: 3 },
    prev: { key, value: cm('old'), createRevision: 2, modRevision: 2 },
  }, undefined, new TurnHold());
  return ev!;
}

test('watchers in the turn that decoded an event share its object', (t) => {
  const ev = update();
  t.is(ev.object, ev.object);
  t.is(ev.prev(), ev.prev());
  t.is((ev.object.data as { blob: string }).blob, 'new');
  t.is((ev.prev()!.data as { blob: string }).blob, 'old');
});

test('after that turn the event no longer holds its decoded objects', async (t) => {
  const ev = update();
  const first = ev.object;
  const firstPrev = ev.prev();
  await nextTurn();
  const again = ev.object;
  t.not(again, first, 'decoded afresh: the event let go of the first decode');
  t.deepEqual(again, first);
  t.not(ev.prev(), firstPrev);
  t.deepEqual(ev.prev(), firstPrev);
  // And the fresh decode is let go at the end of its own turn too.
  await nextTurn();
  t.not(ev.object, again);
});
