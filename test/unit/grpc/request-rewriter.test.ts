import { connect } from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { encodeHeaderBlock, encodeInteger, HeaderBlockDecoder, type HeaderField } from '../../../src/grpc/hpack.js';
import { CLIENT_PREFACE, H2FramingError, RequestAuthorityRewriter } from '../../../src/grpc/request-rewriter.js';

// The rewriter against real client bytes (Node's nghttp2 encoder: Huffman, dynamic table
// entries reused by later requests) and hand-built frames for what clients rarely send
// (PADDED, PRIORITY, CONTINUATION, table size updates), read back by a frame parser.

interface Frame { type: number; flags: number; streamId: number; payload: Buffer }
const DATA = 0x0, HEADERS = 0x1, SETTINGS = 0x4, PUSH_PROMISE = 0x5, CONTINUATION = 0x9;
const END_STREAM = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

function parseFrames(bytes: Buffer): Frame[] {
  if (!bytes.subarray(0, 24).equals(CLIENT_PREFACE)) throw new Error('no preface');
  const frames: Frame[] = [];
  for (let i = 24; i < bytes.length;) {
    const length = bytes.readUIntBE(i, 3);
    frames.push({ type: bytes[i + 3]!, flags: bytes[i + 4]!, streamId: bytes.readUInt32BE(i + 5), payload: bytes.subarray(i + 9, i + 9 + length) });
    i += 9 + length;
  }
  return frames;
}

/** The request header blocks the server would decode, in order (its decoder state is fresh
 *  per connection, as nghttp2's is). */
function requestHeaders(frames: Frame[]): Array<Array<[string, string]>> {
  const decoder = new HeaderBlockDecoder();
  const blocks: Array<Array<[string, string]>> = [];
  let parts: Buffer[] = [];
  for (const f of frames) {
    if (f.type !== HEADERS && f.type !== CONTINUATION) continue;
    let p = f.payload;
    if (f.type === HEADERS && f.flags & PRIORITY) p = p.subarray(5);
    parts.push(p);
    if (f.flags & END_HEADERS) {
      blocks.push(decoder.decode(Buffer.concat(parts)).map((h) => [h.name, h.value]));
      parts = [];
    }
  }
  return blocks;
}

function rewriteAll(chunks: Buffer[], r = new RequestAuthorityRewriter()): Buffer {
  return Buffer.concat(chunks.flatMap((c) => r.push(c)));
}

const preface = CLIENT_PREFACE;
const settings = frame(SETTINGS, 0, 0, Buffer.alloc(0));
const field = (name: string, value: string, neverIndex = false): HeaderField => ({ name, value, neverIndex });
const get = (authority: string) => [field(':method', 'GET'), field(':scheme', 'http'), field(':path', '/'), field(':authority', authority)];

/** What Node's HTTP/2 client writes for three requests on one connection, each with the
 *  socket path as :authority (nghttp2 indexes it and refers to the table afterwards). */
async function captureNodeClient(): Promise<{ bytes: Buffer; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-h2cap-'));
  try {
    const sock = join(dir, 's.sock');
    const got: Buffer[] = [];
    let headersSeen = 0;
    let finish = () => {};
    const done = new Promise<void>((r) => { finish = r; });
    const server = createServer((s) => {
      s.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)));
      s.on('data', (c: Buffer) => {
        got.push(c);
        headersSeen = parseFramesLoose(Buffer.concat(got)).filter((f) => f.type === HEADERS).length;
        if (headersSeen >= 3) finish();
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const client = connect('http://localhost', { createConnection: () => createConnection(sock) });
    client.on('error', () => {});
    for (let i = 0; i < 3; i++) {
      const req = client.request({ ':method': 'POST', ':path': `/runtime.v1.RuntimeService/Version`, ':authority': sock, 'content-type': 'application/grpc', te: 'trailers', 'x-n': String(i) });
      req.on('error', () => {});
      req.end(Buffer.from([0, 0, 0, 0, 0]));
    }
    await done;
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    return { bytes: Buffer.concat(got), path: sock };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseFramesLoose(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let i = 24; i + 9 <= bytes.length;) {
    const length = bytes.readUIntBE(i, 3);
    if (i + 9 + length > bytes.length) break;
    frames.push({ type: bytes[i + 3]!, flags: bytes[i + 4]!, streamId: bytes.readUInt32BE(i + 5), payload: bytes.subarray(i + 9, i + 9 + length) });
    i += 9 + length;
  }
  return frames;
}

const captured = captureNodeClient();

test('a real client\'s path authority becomes localhost in every request; other headers and frames are kept', async (t) => {
  const { bytes: input, path } = await captured;
  t.false(input.includes(Buffer.from(path)), 'nghttp2 sent the path Huffman-coded');
  const r = new RequestAuthorityRewriter();
  const out = rewriteAll([input], r);
  const inFrames = parseFrames(input);
  const outFrames = parseFrames(out);
  const blocks = requestHeaders(outFrames);
  t.is(blocks.length, 3);
  t.is(r.replaced, 3);
  blocks.forEach((b, i) => {
    t.deepEqual(b.filter(([n]) => n === ':authority'), [[':authority', 'localhost']]);
    t.deepEqual(b.filter(([n]) => n === 'x-n'), [['x-n', String(i)]]);
    t.deepEqual(b.filter(([n]) => n === ':path'), [[':path', '/runtime.v1.RuntimeService/Version']]);
  });
  // nghttp2 Huffman-coded the path and indexed it: later requests refer to the table.
  const inBlocks = inFrames.filter((f) => f.type === HEADERS);
  t.true(inBlocks[1]!.payload.length < inBlocks[0]!.payload.length);
  const others = (fs: Frame[]) => fs.filter((f) => f.type !== HEADERS && f.type !== CONTINUATION).map((f) => [f.type, f.flags, f.streamId, f.payload.toString('hex')]);
  t.deepEqual(others(outFrames), others(inFrames));
});

test('the output is the same however the input is split, down to single bytes', async (t) => {
  const input = (await captured).bytes;
  const whole = rewriteAll([input]);
  for (let k = 1; k < input.length; k++) {
    const split = rewriteAll([input.subarray(0, k), input.subarray(k)]);
    if (!split.equals(whole)) return void t.fail(`differs when split at byte ${k}`);
  }
  const bytes = [...input].map((b) => Buffer.from([b]));
  t.true(rewriteAll(bytes).equals(whole));
});

test('DATA passes through as slices of the input, not copies', (t) => {
  const body = Buffer.alloc(100_000, 7);
  const input = Buffer.concat([preface, settings, frame(DATA, 0, 1, body.subarray(0, 16_384)), frame(DATA, END_STREAM, 1, body.subarray(0, 1000))]);
  const out = new RequestAuthorityRewriter().push(input);
  t.true(Buffer.concat(out).equals(input));
  t.true(out.slice(1).every((b) => b.buffer === input.buffer), 'frames after the preface are views of the input');
});

test('valid authorities and hosts are kept; a path host is replaced too', (t) => {
  const block = encodeHeaderBlock([...get('127.0.0.1:10250'), field('host', '/run/x.sock'), field('x-secret', 'k', true)]);
  const out = rewriteAll([preface, frame(HEADERS, END_HEADERS | END_STREAM, 1, block)]);
  const f = parseFrames(out);
  t.deepEqual(requestHeaders(f)[0], [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', '127.0.0.1:10250'], ['host', 'localhost'], ['x-secret', 'k']]);
  t.is(f[0]!.flags, END_HEADERS | END_STREAM);
  // never-indexed stays never-indexed (0x10 prefix) on re-encoding
  t.true(f[0]!.payload.includes(Buffer.concat([Buffer.from([0x10, 8]), Buffer.from('x-secret')])));
});

test('PADDED and PRIORITY HEADERS with CONTINUATIONs become one unpadded block that keeps its priority', (t) => {
  const block = encodeHeaderBlock([...get('/tmp/x/cri.sock'), field('x-a', 'b')]);
  const priority = Buffer.from([0x80, 0, 0, 3, 200]);
  const first = Buffer.concat([Buffer.from([4]), priority, block.subarray(0, 10), Buffer.alloc(4)]);
  const input = Buffer.concat([preface,
    frame(HEADERS, PADDED | PRIORITY | END_STREAM, 5, first),
    frame(CONTINUATION, 0, 5, block.subarray(10, 20)),
    frame(CONTINUATION, END_HEADERS, 5, block.subarray(20)),
    frame(DATA, END_STREAM, 5, Buffer.from('x'))]);
  const f = parseFrames(rewriteAll([input]));
  t.deepEqual(f.map((x) => [x.type, x.flags, x.streamId]), [[HEADERS, PRIORITY | END_STREAM | END_HEADERS, 5], [DATA, END_STREAM, 5]]);
  t.true(f[0]!.payload.subarray(0, 5).equals(priority));
  t.deepEqual(requestHeaders(f)[0]!.find(([n]) => n === ':authority'), [':authority', 'localhost']);
});

test('a block larger than a frame is split into CONTINUATIONs of at most 16384 bytes', (t) => {
  const big = 'v'.repeat(40_000);
  const block = encodeHeaderBlock([...get('/s'), field('x-big', big)]);
  const input = Buffer.concat([preface, frame(HEADERS, 0, 1, block.subarray(0, 16_000)), frame(CONTINUATION, 0, 1, block.subarray(16_000, 32_000)), frame(CONTINUATION, END_HEADERS, 1, block.subarray(32_000))]);
  const f = parseFrames(rewriteAll([input]));
  t.deepEqual(f.map((x) => x.type), [HEADERS, CONTINUATION, CONTINUATION]);
  t.true(f.every((x) => x.payload.length <= 16_384));
  t.deepEqual(f.map((x) => x.flags & END_HEADERS), [0, 0, END_HEADERS]);
  t.is(requestHeaders(f)[0]!.find(([n]) => n === 'x-big')![1].length, 40_000);
});

// Hand-made HPACK for what the encoder may do: literal with incremental indexing (0x40),
// indexed (0x80|index), table size update (0x20|size).
const indexedName = (index: number, value: string) => Buffer.concat([encodeInteger(index, 6, 0x40), encodeInteger(value.length, 7, 0), Buffer.from(value)]);
const indexed = (index: number) => encodeInteger(index, 7, 0x80);
const sizeUpdate = (size: number) => encodeInteger(size, 5, 0x20);
const GET_HTTP_ROOT = Buffer.from([0x82, 0x86, 0x84]); // :method GET, :scheme http, :path /

test('dynamic-table entries are followed across requests, through table size updates', (t) => {
  const input = Buffer.concat([preface,
    frame(HEADERS, END_HEADERS | END_STREAM, 1, Buffer.concat([GET_HTTP_ROOT, indexedName(1, '/tmp/a.sock')])), // :authority, now index 62
    frame(HEADERS, END_HEADERS | END_STREAM, 3, Buffer.concat([GET_HTTP_ROOT, indexed(62)])),
    // shrink to 0 (evicts) and back: a new entry takes index 62
    frame(HEADERS, END_HEADERS | END_STREAM, 5, Buffer.concat([sizeUpdate(0), sizeUpdate(4096), GET_HTTP_ROOT, indexedName(1, 'node-a:10250')])),
    frame(HEADERS, END_HEADERS | END_STREAM, 7, Buffer.concat([GET_HTTP_ROOT, indexed(62)]))]);
  const authorities = requestHeaders(parseFrames(rewriteAll([input]))).map((b) => b.find(([n]) => n === ':authority')![1]);
  t.deepEqual(authorities, ['localhost', 'localhost', 'node-a:10250', 'node-a:10250']);
});

test('a reference to an evicted entry, or a table size over the limit, ends the connection', (t) => {
  const evicted = Buffer.concat([preface,
    frame(HEADERS, END_HEADERS, 1, Buffer.concat([GET_HTTP_ROOT, indexedName(1, '/a')])),
    frame(HEADERS, END_HEADERS, 3, Buffer.concat([sizeUpdate(0), GET_HTTP_ROOT, indexed(62)]))]);
  t.throws(() => rewriteAll([evicted]), { instanceOf: H2FramingError });
  t.throws(() => rewriteAll([preface, frame(HEADERS, END_HEADERS, 1, sizeUpdate(8192))]), { instanceOf: H2FramingError, message: /Table size/ });
});

test('an HPACK bomb (1-byte references to a 4 KiB table entry) stops at the decoded-size limit', (t) => {
  const big = indexedName(1, 'a'.repeat(4000)); // one 4 KiB dynamic entry, index 62
  const refs = Buffer.alloc(16_000, indexed(62)[0]!); // would decode to 64 MB
  const r = new RequestAuthorityRewriter();
  t.throws(() => r.push(Buffer.concat([preface, frame(HEADERS, END_HEADERS, 1, big), frame(HEADERS, END_HEADERS, 3, refs)])), { instanceOf: H2FramingError, message: /decoded header list over 1048576 bytes/ });
});

const malformed: Array<[string, Buffer[], RegExp]> = [
  ['a table size update after a field', [preface, frame(HEADERS, END_HEADERS, 1, Buffer.concat([GET_HTTP_ROOT, sizeUpdate(0)]))], /size update after a header field/],
  ['an HTTP/1 request', [Buffer.from('GET / HTTP/1.1\r\n\r\n')], /preface/],
  ['CONTINUATION without HEADERS', [preface, frame(CONTINUATION, END_HEADERS, 1, Buffer.alloc(0))], /without HEADERS/],
  ['DATA inside a header block', [preface, frame(HEADERS, 0, 1, GET_HTTP_ROOT), frame(DATA, 0, 1, Buffer.from('x'))], /inside the header block/],
  ['CONTINUATION for another stream', [preface, frame(HEADERS, 0, 1, GET_HTTP_ROOT), frame(CONTINUATION, END_HEADERS, 3, Buffer.alloc(0))], /inside the header block/],
  ['padding longer than the frame', [preface, frame(HEADERS, END_HEADERS | PADDED, 1, Buffer.from([9, 0x82]))], /padding/],
  ['PRIORITY without its bytes', [preface, frame(HEADERS, END_HEADERS | PRIORITY, 1, Buffer.from([0, 0]))], /priority/],
  ['HEADERS on stream 0', [preface, frame(HEADERS, END_HEADERS, 0, GET_HTTP_ROOT)], /stream 0/],
  ['PUSH_PROMISE from a client', [preface, frame(PUSH_PROMISE, END_HEADERS, 1, Buffer.alloc(4))], /PUSH_PROMISE/],
  ['index 0', [preface, frame(HEADERS, END_HEADERS, 1, Buffer.from([0x80]))], /Zero indexed/],
  ['an index past the table', [preface, frame(HEADERS, END_HEADERS, 1, indexed(70))], /OOB/],
  ['a string running past the block', [preface, frame(HEADERS, END_HEADERS, 1, Buffer.from([0x00, 0x05, 0x61]))], /malformed header block/],
  ['a Huffman string with bad padding', [preface, frame(HEADERS, END_HEADERS, 1, Buffer.from([0x00, 0x81, 0x00, 0x01, 0x61]))], /malformed header block/],
];
for (const [name, chunks, message] of malformed) {
  test(`malformed input ends the connection: ${name}`, (t) => {
    const r = new RequestAuthorityRewriter();
    t.throws(() => rewriteAll(chunks, r), { instanceOf: H2FramingError, message });
    t.throws(() => r.push(Buffer.from(settings)), { instanceOf: H2FramingError, message: /already failed/ });
  });
}

test('an oversize header block is refused from its frame header, before its payload is buffered', (t) => {
  const r = new RequestAuthorityRewriter();
  const header = frame(HEADERS, 0, 1, Buffer.alloc(0));
  header.writeUIntBE(2 << 20, 0, 3); // declares 2 MiB
  t.throws(() => r.push(Buffer.concat([preface, header])), { instanceOf: H2FramingError, message: /over 1048576 bytes/ });
  const small = new RequestAuthorityRewriter({ maxHeaderBlockBytes: 100 });
  const block = encodeHeaderBlock([...get('/s'), field('x', 'y'.repeat(80))]);
  t.throws(() => small.push(Buffer.concat([preface, frame(HEADERS, 0, 1, block.subarray(0, 60)), frame(CONTINUATION, END_HEADERS, 1, block.subarray(60))])), { message: /over 100 bytes/ });
});
