import test from 'ava';
import { LogFilter, parseCriLine, readOptions, tailStart, type ReadOptions } from '../../../../src/kubelet/server/cri-log.js';

const ALL: ReadOptions = { tail: -1, bytes: -1, sinceMs: -Infinity, follow: false, timestamps: false };
const LOG = [
  '2026-01-01T00:00:01.000000001Z stdout F one',
  '2026-01-01T00:00:02.5Z stderr F two',
  '2026-01-01T00:00:03.123456789+00:00 stdout P thr',
  '2026-01-01T00:00:03.2Z stdout F ee',
  '2026-01-01T00:00:04Z stdout F four',
].join('\n') + '\n';

/** The output text of reading LOG (from its tail start) with opts. */
function read(opts: Partial<ReadOptions>, data = LOG): string {
  const o = { ...ALL, ...opts };
  const buf = Buffer.from(data);
  const { out } = new LogFilter(o).take(buf.subarray(tailStart(buf, o.tail)), true);
  return Buffer.concat(out.map((c) => c.data)).toString();
}

test('a CRI line: timestamp, stream, tag, content with its newline; a partial line loses its newline', (t) => {
  const full = parseCriLine(Buffer.from('2026-01-01T00:00:01.000000001Z stderr F hello world\n'));
  t.is(full.stream, 'stderr');
  t.is(full.log.toString(), 'hello world\n');
  t.is(full.ms, Date.UTC(2026, 0, 1, 0, 0, 1));
  t.is(full.fixed, '2026-01-01T00:00:01.000000001Z');
  const partial = parseCriLine(Buffer.from('2026-01-01T00:00:01+02:00 stdout P:x abc\n'));
  t.is(partial.log.toString(), 'abc');
  t.is(partial.fixed, '2026-01-01T00:00:01.000000000+02:00');
});

test('lines that are not the CRI format fail in upstream words and are skipped by the reader', (t) => {
  t.throws(() => parseCriLine(Buffer.from('nospace')), { message: 'timestamp is not found' });
  t.throws(() => parseCriLine(Buffer.from('2026-01-01T00:00:01Z stdin F x')), { message: 'unexpected stream type "stdin"' });
  t.throws(() => parseCriLine(Buffer.from('yesterday stdout F x')), { message: /unexpected timestamp format/ });
  t.throws(() => parseCriLine(Buffer.from('2026-01-01T00:00:01Z stdout')), { message: 'stream type is not found' });
  t.is(read({}, 'garbage\n2026-01-01T00:00:01Z stdout F ok\n'), 'ok\n');
});

test('the whole log joins partial lines and keeps both streams in order', (t) => {
  t.is(read({}), 'one\ntwo\nthree\nfour\n');
});

test('tail counts records from the end, as upstream (a partial record is a line)', (t) => {
  t.is(read({ tail: 2 }), 'ee\nfour\n');
  t.is(read({ tail: 0 }), '');
  t.is(read({ tail: 100 }), 'one\ntwo\nthree\nfour\n');
});

test('tailStart: after the (n+1)-th newline from the end; a file without a final newline keeps its last line', (t) => {
  const b = Buffer.from('a\nb\nc\n');
  t.is(tailStart(b, 1), 4);
  t.is(tailStart(b, 3), 0);
  t.is(tailStart(b, 0), 6);
  t.is(tailStart(b, -1), 0);
  t.is(tailStart(Buffer.from('a\nb\nc'), 1), 2);
});

test('since skips older records; sinceSeconds counts back from now and the later bound wins', (t) => {
  t.is(read({ sinceMs: Date.UTC(2026, 0, 1, 0, 0, 3) }), 'three\nfour\n');
  const now = Date.UTC(2026, 0, 1, 0, 0, 5);
  t.is(readOptions({ follow: false, previous: false, timestamps: false, sinceSeconds: 2 }, now).sinceMs, Date.UTC(2026, 0, 1, 0, 0, 3));
  const both = readOptions({ follow: false, previous: false, timestamps: false, sinceSeconds: 4, sinceTime: '2026-01-01T00:00:04Z' }, now);
  t.is(both.sinceMs, Date.UTC(2026, 0, 1, 0, 0, 4));
});

test('timestamps prefix every record in the fixed nanosecond format', (t) => {
  t.is(read({ tail: 3, timestamps: true }),
    '2026-01-01T00:00:03.123456789Z thr2026-01-01T00:00:03.200000000Z ee\n2026-01-01T00:00:04.000000000Z four\n');
});

test('limitBytes cuts the output mid-record and stops', (t) => {
  t.is(read({ bytes: 6 }), 'one\ntw');
  const f = new LogFilter({ ...ALL, bytes: 4 });
  f.take(Buffer.from(LOG), true);
  t.true(f.done);
});

test('following: an unfinished last record waits for its newline; bytes used say where to go on', (t) => {
  const f = new LogFilter({ ...ALL, follow: true, tail: 1 });
  const first = f.take(Buffer.from('2026-01-01T00:00:01Z stdout F a\n2026-01-01T00:00:02Z stdout F b'), false);
  t.is(Buffer.concat(first.out.map((c) => c.data)).toString(), 'a\n');
  t.is(first.used, 32);
  t.false(f.done, 'tail does not end a follow');
  const rest = f.take(Buffer.from('2026-01-01T00:00:02Z stdout F b\n'), false);
  t.is(Buffer.concat(rest.out.map((c) => c.data)).toString(), 'b\n');
});
