import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { inflateSync, deflateSync, constants } from 'node:zlib';
import test from 'ava';
import { SPDY3_DICTIONARY } from '../../../../src/cri/streaming/spdy/dictionary.js';
import { FrameDecoder, FrameEncoder, SpdyProtocolError, type Frame } from '../../../../src/cri/streaming/spdy/frames.js';
import { SpdySession, type SpdyStream } from '../../../../src/cri/streaming/spdy/session.js';

const ALL: Frame[] = [
  { type: 'synStream', streamId: 1, associatedTo: 0, priority: 3, fin: false, unidirectional: false, headers: { streamtype: 'error', port: '8080', requestid: '0' } },
  { type: 'synStream', streamId: 3, associatedTo: 1, priority: 0, fin: true, unidirectional: true, headers: {} },
  { type: 'synReply', streamId: 1, fin: false, headers: {} },
  { type: 'synReply', streamId: 3, fin: true, headers: { multi: 'a\0b' } },
  { type: 'data', streamId: 1, fin: false, data: Buffer.from('hello') },
  { type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) },
  { type: 'rstStream', streamId: 5, status: 5 },
  { type: 'settings', clear: true, entries: [{ id: 7, value: 1 << 20, flags: 1 }, { id: 4, value: 100, flags: 0 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goAway', lastGoodStreamId: 7, status: 0 },
  { type: 'headers', streamId: 3, fin: true, headers: { 'x-trailer': 'v' } },
  { type: 'windowUpdate', streamId: 0, delta: 0x7fffffff },
];

test('the dictionary is the SPDY/3 one, byte for byte (1423 bytes, no trailing NUL)', (t) => {
  t.is(SPDY3_DICTIONARY.length, 1423);
  t.is(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('every frame type round-trips, in one buffer and split byte by byte', (t) => {
  const enc = new FrameEncoder();
  const wire = Buffer.concat(ALL.map((f) => enc.encode(f)));
  t.deepEqual(new FrameDecoder().push(wire), ALL);
  const dec = new FrameDecoder();
  const got: Frame[] = [];
  for (let i = 0; i < wire.length; i++) got.push(...dec.push(wire.subarray(i, i + 1)));
  t.deepEqual(got, ALL);
});

test('control frame header: C bit, version 3, type, flags, 24-bit length', (t) => {
  const b = new FrameEncoder().encode({ type: 'ping', id: 7 });
  t.deepEqual([...b], [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7]);
  const d = new FrameEncoder().encode({ type: 'data', streamId: 3, fin: true, data: Buffer.from('ab') });
  t.deepEqual([...d], [0, 0, 0, 3, 0x01, 0, 0, 2, 0x61, 0x62]);
});

test('header blocks are one zlib stream per direction with the dictionary, readable by plain zlib', (t) => {
  const enc = new FrameEncoder();
  const first = enc.encode({ type: 'synStream', streamId: 1, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: 'stdout' } });
  const second = enc.encode({ type: 'synStream', streamId: 3, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: 'stdout' } });
  // The shared context makes the repeat cheaper than the first block.
  t.true(second.length < first.length);
  // zlib header says "preset dictionary" with the dictionary's adler32.
  const block = first.subarray(18);
  t.is(block[1]! & 0x20, 0x20);
  const plain = inflateSync(block, { dictionary: Buffer.from(SPDY3_DICTIONARY), finishFlush: constants.Z_SYNC_FLUSH });
  t.deepEqual([...plain], [0, 0, 0, 1, 0, 0, 0, 10, ...Buffer.from('streamtype'), 0, 0, 0, 6, ...Buffer.from('stdout')]);
});

test('a header block compressed by another zlib (node) with the dictionary decodes', (t) => {
  const nv = Buffer.concat([u32(1), u32(4), Buffer.from('port'), u32(2), Buffer.from('80')]);
  const block = deflateSync(nv, { dictionary: Buffer.from(SPDY3_DICTIONARY), finishFlush: constants.Z_SYNC_FLUSH, flush: constants.Z_SYNC_FLUSH });
  const body = Buffer.concat([u32(2), block]);
  const head = Buffer.from([0x80, 0x03, 0x00, 0x02, 0, 0, 0, 0]);
  head.writeUInt32BE(body.length, 4);
  t.deepEqual(new FrameDecoder().push(Buffer.concat([head, body])), [{ type: 'synReply', streamId: 2, fin: false, headers: { port: '80' } }]);
});

test('wrong version and uppercase header names are protocol errors', (t) => {
  t.throws(() => new FrameDecoder().push(Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1])), { instanceOf: SpdyProtocolError });
  const nv = Buffer.concat([u32(1), u32(4), Buffer.from('Port'), u32(2), Buffer.from('80')]);
  const block = deflateSync(nv, { dictionary: Buffer.from(SPDY3_DICTIONARY), finishFlush: constants.Z_SYNC_FLUSH });
  const body = Buffer.concat([u32(2), block]);
  const head = Buffer.from([0x80, 0x03, 0x00, 0x02, 0, 0, 0, 0]);
  head.writeUInt32BE(body.length, 4);
  t.throws(() => new FrameDecoder().push(Buffer.concat([head, body])), { instanceOf: SpdyProtocolError, message: /lowercase/ });
});

test('decoded headers hold only what the peer sent: an absent constructor or toString reads as undefined, a sent __proto__ is a header', (t) => {
  const wire = new FrameEncoder().encode({ type: 'synStream', streamId: 1, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headers: JSON.parse('{"streamtype":"data","__proto__":"p"}') as Record<string, string> });
  const [frame] = new FrameDecoder().push(wire);
  if (frame?.type !== 'synStream') return t.fail(`decoded ${frame?.type}`);
  for (const name of ['constructor', 'tostring', 'toString', 'hasOwnProperty', 'valueOf']) t.is(frame.headers[name], undefined, name);
  t.is(frame.headers['__proto__'], 'p');
  t.deepEqual(Object.keys(frame.headers), ['streamtype', '__proto__']);
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Two in-memory sockets wired to each other. */
function socketPair(): [Duplex, Duplex] {
  const make = (): Duplex & { peer?: Duplex } => new Duplex({
    allowHalfOpen: true,
    read() {},
    write(chunk, _enc, cb) {
      (this as Duplex & { peer: Duplex }).peer.push(chunk);
      cb();
    },
    final(cb) {
      (this as Duplex & { peer: Duplex }).peer.push(null);
      cb();
    },
  });
  const a = make(), b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

function sessions(clientOpts: { sendWindowUpdates?: boolean } = {}, serverOpts: { sendWindowUpdates?: boolean } = {}) {
  const [a, b] = socketPair();
  const server = new SpdySession(a, { role: 'server', ...serverOpts });
  const client = new SpdySession(b, { role: 'client', ...clientOpts });
  return { server, client };
}

const readAll = (s: SpdyStream) => new Promise<Buffer>((resolve) => {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  s.once('end', () => resolve(Buffer.concat(parts)));
});

test('session: client opens, server replies, data both ways, half-closes', async (t) => {
  const { server, client } = sessions();
  server.once('stream', (s: SpdyStream) => {
    t.deepEqual(s.headers, { streamtype: 'stdin' });
    t.is(s.id, 1);
    s.reply();
    server.on('stream', (o: SpdyStream) => o.reply());
    void readAll(s).then((got) => s.end(Buffer.concat([Buffer.from('echo:'), got])));
  });
  const s = await client.open({ streamtype: 'stdin' });
  s.end('ping');
  t.is((await readAll(s)).toString(), 'echo:ping');
  const next = await client.open({ streamtype: 'x' });
  t.is(next.id, 3);
});

test('session: reset by the peer ends the stream and rejects open()', async (t) => {
  const { server, client } = sessions();
  server.on('stream', (s: SpdyStream) => s.reset());
  await t.throwsAsync(client.open({ streamtype: 'data' }), { message: /reset/ });
});

test('session: pings are answered by the peer', async (t) => {
  const { client } = sessions();
  await client.ping();
  t.pass();
});

test('session: GOAWAY and close end every stream', async (t) => {
  const { server, client } = sessions();
  const gotStream = new Promise<SpdyStream>((resolve) => server.on('stream', (s: SpdyStream) => (s.reply(), resolve(s))));
  const s = await client.open({ streamtype: 'stdout' });
  const ended = readAll(s);
  await gotStream;
  const goaway = new Promise((resolve) => client.once('goaway', resolve));
  server.close();
  t.like(await goaway, { type: 'goAway', lastGoodStreamId: 1, status: 0 });
  await ended;
  t.true(client.closed);
});

test('flow control: a peer that never sends WINDOW_UPDATE (spdystream) still gets more than 64 KiB', async (t) => {
  const { server, client } = sessions({ sendWindowUpdates: false });
  const big = Buffer.alloc(300 * 1024, 7);
  server.on('stream', (s: SpdyStream) => (s.reply(), s.end(big)));
  const s = await client.open({ streamtype: 'stdout' });
  t.is((await readAll(s)).length, big.length);
});

test('flow control: a peer that announces windows gets no more than it granted until it reads', async (t) => {
  const { server, client } = sessions({ sendWindowUpdates: true }, { sendWindowUpdates: true });
  const big = Buffer.alloc(200 * 1024, 1);
  const serverStream = new Promise<SpdyStream>((resolve) => server.on('stream', (s: SpdyStream) => (s.reply(), resolve(s))));
  const s = await client.open({ streamtype: 'stdout' });
  s.pause();
  const sent = new Promise<void>((resolve) => void serverStream.then((ss) => ss.end(big, () => resolve())));
  await serverStream;
  await client.ping(); // everything the server could send has arrived
  t.is(s.readableLength, 64 * 1024);
  const all = readAll(s);
  s.resume();
  t.is((await all).length, big.length);
  await sent;
});
