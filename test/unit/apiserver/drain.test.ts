import { EventEmitter } from 'node:events';
import test from 'ava';
import { drainedOrClosed } from '../../../src/apiserver/http/respond.js';

// A watch waits for 'drain' every time its client falls behind: each wait must take its
// listeners with it, whichever event ends it.

test('each wait for drain or close removes both of its listeners, however many waits a stream sees', async (t) => {
  const stream = new EventEmitter();
  for (let i = 0; i < 20; i++) {
    const wait = drainedOrClosed(stream);
    stream.emit('drain');
    await wait;
  }
  t.is(stream.listenerCount('drain'), 0);
  t.is(stream.listenerCount('close'), 0);
  const closing = drainedOrClosed(stream);
  stream.emit('close');
  await closing;
  t.is(stream.listenerCount('drain'), 0, 'a close takes the drain listener too');
  t.is(stream.listenerCount('close'), 0);
});
