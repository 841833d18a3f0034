// A watch writes many events per event-loop turn: waiting for 'drain' whenever the response's
// 16 KiB high-water mark was passed let one watcher send two 8.8 KB events per turn and fall
// out of the watch cache under load (issue 19). It still stops once WATCH_QUEUE_BYTES wait.
import test from 'ava';
import { Writable } from 'node:stream';
import { WATCH_QUEUE_BYTES, writeWatchFrame } from '../../../../src/apiserver/http/respond.js';

/** A stream like a socket whose peer reads only when `release()` is called. */
function heldStream() {
  const pending: (() => void)[] = [];
  const stream = new Writable({ highWaterMark: 16 * 1024, write: (_chunk, _enc, done) => { pending.push(() => done()); } });
  return { stream, release: () => { while (pending.length) pending.shift()!(); } };
}

const FRAME = `${JSON.stringify({ type: 'MODIFIED', object: { data: { blob: 'x'.repeat(8800) } } })}\n`;

test('frames are queued up to WATCH_QUEUE_BYTES without waiting for the client', async (t) => {
  const { stream, release } = heldStream();
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < 1000; i++) {
      await writeWatchFrame(stream, FRAME);
      written++;
    }
  })();
  // Nothing has gone out yet; only the queue bound may stop the writer.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  const fit = Math.floor(WATCH_QUEUE_BYTES / FRAME.length);
  t.true(written >= fit, `${written} frames written before the client read anything, ${fit} fit in the queue`);
  t.true(written <= fit + 1, `the writer stopped at the bound (${written} frames)`);
  t.true(stream.writableLength <= WATCH_QUEUE_BYTES + FRAME.length);
  // Once the client reads, the writer goes on.
  while (written < 1000) {
    release();
    await new Promise((r) => setImmediate(r));
  }
  await writer;
  t.is(written, 1000);
});

test('a closed stream ends the wait', async (t) => {
  const { stream } = heldStream();
  const big = 'y'.repeat(WATCH_QUEUE_BYTES + 1);
  const waiting = writeWatchFrame(stream, big);
  stream.destroy();
  await waiting;
  t.pass();
});
