import { Readable } from 'node:stream';
import test from 'ava';
import { resizeEvents } from '../../../../src/cri/streaming/remotecommand.js';
import { exitCodeOf, internalError, nonZeroExit, success } from '../../../../src/cri/streaming/status.js';
import { RequestCache } from '../../../../src/cri/streaming/tokens.js';
import { decodeFrame, encodeFrame } from '../../../../src/cri/streaming/websocket.js';
import { FakeClock } from '../../../../src/host/clock.js';

const binary = { base64: false, closeSignal: true };
const base64 = { base64: true, closeSignal: false };

test('binary channel frames: first byte is the channel', (t) => {
  const f = encodeFrame(binary, 2, Buffer.from('err'));
  t.deepEqual(f, Buffer.from([2, 0x65, 0x72, 0x72]));
  t.deepEqual(decodeFrame(binary, f), { channel: 2, data: Buffer.from('err') });
  t.deepEqual(decodeFrame(binary, Buffer.from([1])), { channel: 1, data: Buffer.alloc(0) });
  t.is(decodeFrame(binary, Buffer.alloc(0)), undefined);
});

test('base64 channel frames: ASCII channel digit, then base64 text', (t) => {
  const f = encodeFrame(base64, 1, Buffer.from('hello'));
  t.is(f, '1aGVsbG8=');
  t.deepEqual(decodeFrame(base64, '0aGk='), { channel: 0, data: Buffer.from('hi') });
});

test('resize stream: back-to-back JSON objects, split anywhere', async (t) => {
  const text = '{"Width":80,"Height":24}\n{"Width":100,"Height":40}{"Width":1,"Height":2}';
  const chunks = [text.slice(0, 7), text.slice(7, 30), text.slice(30)];
  const got = [];
  for await (const s of resizeEvents(Readable.from(chunks))) got.push(s);
  t.deepEqual(got, [{ width: 80, height: 24 }, { width: 100, height: 40 }, { width: 1, height: 2 }]);
});

test('resize stream stops at the first value that is not JSON', async (t) => {
  const got = [];
  for await (const s of resizeEvents(Readable.from(['{"Width":5,"Height":6}', 'garbage{"Width":1}']))) got.push(s);
  t.deepEqual(got, [{ width: 5, height: 6 }]);
});

test('statuses are the JSON client-go decodes into exit codes', (t) => {
  t.is(JSON.stringify(success()), '{"metadata":{},"status":"Success"}');
  const failed = nonZeroExit(3, ['sh', '-c', 'exit 3']);
  t.deepEqual(JSON.parse(JSON.stringify(failed)), {
    metadata: {},
    status: 'Failure',
    message: "command terminated with non-zero exit code: command 'sh -c exit 3' exited with 3",
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  t.is(exitCodeOf(failed), 3);
  t.is(exitCodeOf(success()), 0);
  t.throws(() => exitCodeOf(internalError(new Error('no such container'))), { message: 'Internal error occurred: no such container' });
});

test('tokens: single use, 11 URL-safe characters', (t) => {
  const cache = new RequestCache<string>(new FakeClock(0));
  const token = cache.insert('req');
  t.regex(token, /^[A-Za-z0-9_-]{11}$/);
  t.is(cache.consume(token), 'req');
  t.is(cache.consume(token), undefined);
  t.is(cache.consume('nonexistent'), undefined);
});

test('tokens: expire after one minute (injected clock)', (t) => {
  const clock = new FakeClock(1_000_000);
  const cache = new RequestCache<string>(clock);
  const a = cache.insert('a');
  const b = cache.insert('b');
  clock.advance(59_999);
  t.is(cache.consume(a), 'a');
  clock.advance(1);
  t.is(cache.consume(b), undefined);
});

test('tokens: at most 1000 waiting; expired ones make room', (t) => {
  const clock = new FakeClock(0);
  const cache = new RequestCache<number>(clock);
  for (let i = 0; i < 1000; i++) cache.insert(i);
  t.throws(() => cache.insert(1000), { message: /in-flight/ });
  clock.advance(60_000);
  t.notThrows(() => cache.insert(1001));
  t.is(cache.size, 1);
});
