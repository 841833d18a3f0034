import test from 'ava';
import { parseCidr, parseIP } from '../../../src/apiserver/alloc/cidr.js';
import { Bitmap, staticBandSize } from '../../../src/apiserver/alloc/bitmap.js';

test('an IPv4 service CIDR hands out everything but the network and broadcast addresses', (t) => {
  const r = parseCidr('10.96.0.0/12');
  t.is(r.size, 2 ** 20 - 2);
  t.is(r.family, 'IPv4');
  t.is(r.ipAt(0), '10.96.0.1');
  t.is(r.ipAt(r.size - 1), '10.111.255.254');
  t.is(r.offsetOf('10.96.0.1'), 0);
  t.is(r.offsetOf('10.96.0.0'), undefined);
  t.is(r.offsetOf('10.111.255.255'), undefined);
  t.is(r.offsetOf('10.112.0.1'), undefined);
  t.is(r.offsetOf('fd00::1'), undefined);
  t.is(r.offsetOf('not-an-ip'), undefined);
});

test('a CIDR with host bits is read as its network; a large IPv6 range is capped', (t) => {
  t.is(parseCidr('10.96.7.9/12').cidr, '10.96.0.0/12');
  const v6 = parseCidr('fd00:10:96::/108');
  t.is(v6.family, 'IPv6');
  t.is(v6.size, 65535);
  t.is(v6.ipAt(0), 'fd00:10:96::1');
  t.is(v6.offsetOf('fd00:10:96::a'), 9);
  t.throws(() => parseCidr('10.96.0.0'), { message: /invalid service CIDR/ });
  t.throws(() => parseCidr('10.0.0.1/32'), { message: /no usable address/ });
});

test('addresses parse strictly and IPv4-mapped IPv6 reads as IPv4', (t) => {
  t.deepEqual(parseIP('10.96.0.10'), { family: 'IPv4', value: 0x0a60000an });
  t.is(parseIP('::ffff:10.96.0.10')?.family, 'IPv4');
  t.is(parseIP('10.96.0'), undefined);
  t.is(parseIP(''), undefined);
});

test('dynamic picks prefer the upper band and never go below lo', (t) => {
  const bm = new Bitmap(64);
  const band = staticBandSize(64);
  t.is(band, 16);
  const picks = Array.from({ length: 63 }, () => bm.takeAny(Math.random, band, 1));
  t.true(picks.slice(0, 48).every((i) => i >= 16), 'the first 48 come from the upper band');
  t.false(picks.includes(0));
  t.is(new Set(picks).size, 63);
  t.throws(() => bm.takeAny(Math.random, band, 1), { message: 'range is full' });
  t.throws(() => bm.take(64), { message: 'not in range' });
  t.throws(() => bm.take(5), { message: 'already allocated' });
});
