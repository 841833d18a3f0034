import test from 'ava';
import type { WatchEvent } from '../../../src/store/types.js';
import { WatchHub, eventBytes } from '../../../src/store/watch-hub.js';

// A watcher that stops reading holds at most maxQueueBytes of undelivered events: past that it
// drops its queue and later reads the same events again from history, in order, none lost.

function put(revision: number, bytes: number): WatchEvent {
  const value = Buffer.alloc(bytes, revision % 256);
  return { type: 'put', kv: { key: `/k/${revision % 7}`, value, createRevision: 1, modRevision: revision }, prev: { key: `/k/${revision % 7}`, value, createRevision: 1, modRevision: revision - 1 } };
}

test('a watcher that falls behind holds at most its byte bound, then catches up from history without a gap', async (t) => {
  const log: WatchEvent[] = [];
  const rev = (ev: WatchEvent) => (ev.type === 'put' ? ev.kv.modRevision : ev.revision);
  const maxQueueBytes = 1024 * 1024;
  const hub = new WatchHub({
    revision: () => log.length,
    compactRevision: () => 0,
    events: (_prefix, after, until, limit) => log.filter((ev) => rev(ev) > after && rev(ev) <= until).slice(0, limit),
  }, maxQueueBytes);
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const watch = hub.watch('/k/', 0, ac.signal)[Symbol.asyncIterator]();
  const publish = (ev: WatchEvent) => {
    log.push(ev);
    hub.publish([ev]);
  };
  publish(put(1, 64 * 1024));
  const first = await watch.next();
  t.is(first.done ? undefined : rev(first.value), 1);

  let peak = 0;
  for (let r = 2; r <= 200; r++) {
    publish(put(r, 64 * 1024));
    peak = Math.max(peak, hub.queuedBytes());
  }
  t.true(peak <= maxQueueBytes + eventBytes(put(0, 64 * 1024)), `held ${peak} bytes for one watcher`);
  t.true(hub.queuedBytes() < 200 * 128 * 1024, 'the queue was dropped, not kept whole');

  const seen: number[] = [];
  while (seen.length < 199) {
    const next = await watch.next();
    if (next.done) break;
    seen.push(rev(next.value));
  }
  t.deepEqual(seen, Array.from({ length: 199 }, (_, i) => i + 2));
});
