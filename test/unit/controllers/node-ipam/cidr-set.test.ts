import test from 'ava';
import { CidrSet, NoCidrsRemainingError } from '../../../../src/controllers/node-ipam/cidr-set.js';

test('blocks come in order from the cluster CIDR, one per call', (t) => {
  const set = new CidrSet('10.244.0.0/16', 24);
  t.deepEqual([set.allocateNext(), set.allocateNext(), set.allocateNext()], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
  t.is(set.allocated, 3);
});

test('host bits of the cluster CIDR are ignored, as Go\'s ParseCIDR masks them', (t) => {
  t.is(new CidrSet('10.244.7.9/16', 24).allocateNext(), '10.244.0.0/24');
});

test('occupied blocks (existing Nodes after a restart) are skipped', (t) => {
  const set = new CidrSet('10.244.0.0/16', 24);
  set.occupy('10.244.0.0/24');
  set.occupy('10.244.1.0/24');
  set.occupy('10.244.1.0/24'); // twice is fine
  t.is(set.allocated, 2);
  t.is(set.allocateNext(), '10.244.2.0/24');
});

test('a released block is not handed out again before the others (search goes on from the last one)', (t) => {
  const set = new CidrSet('10.0.0.0/30', 31);
  t.is(set.allocateNext(), '10.0.0.0/31');
  t.is(set.allocateNext(), '10.0.0.2/31');
  set.release('10.0.0.0/31');
  t.is(set.allocated, 1);
  t.is(set.allocateNext(), '10.0.0.0/31'); // wrapped: the only free one
});

test('a full range refuses with upstream\'s words until a block is released', (t) => {
  const set = new CidrSet('10.0.0.0/23', 24);
  set.allocateNext();
  set.allocateNext();
  const err = t.throws(() => set.allocateNext(), { instanceOf: NoCidrsRemainingError });
  t.is(err.message, 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
  set.release('10.0.1.0/24');
  t.is(set.allocateNext(), '10.0.1.0/24');
});

test('occupying a CIDR wider than a block takes every block it covers; inside a block takes that block', (t) => {
  const set = new CidrSet('10.244.0.0/16', 24);
  set.occupy('10.244.0.0/23');
  t.is(set.allocated, 2);
  set.occupy('10.244.5.128/25');
  t.is(set.allocated, 3);
  t.is(set.allocateNext(), '10.244.2.0/24');
  t.is(set.allocateNext(), '10.244.3.0/24');
  t.is(set.allocateNext(), '10.244.4.0/24');
  t.is(set.allocateNext(), '10.244.6.0/24');
});

test('a CIDR outside the range cannot be occupied or released', (t) => {
  const set = new CidrSet('10.244.0.0/16', 24);
  t.throws(() => set.occupy('10.245.0.0/24'), { message: 'cidr 10.245.0.0/24 is out the range of cluster cidr 10.244.0.0/16' });
  t.throws(() => set.release('192.168.0.0/24'), { message: /out the range/ });
  t.throws(() => set.occupy('fd00::/64'), { message: /out the range/ });
  t.throws(() => set.occupy('nonsense'), { message: 'invalid CIDR address: nonsense' });
});

test('IPv6: blocks of /64 from a /56', (t) => {
  const set = new CidrSet('fd00:10:244::/56', 64);
  t.is(set.allocateNext(), 'fd00:10:244::/64');
  t.is(set.allocateNext(), 'fd00:10:244:1::/64');
  set.occupy('fd00:10:244:2::/64');
  t.is(set.allocateNext(), 'fd00:10:244:3::/64');
});

test('bad ranges are refused when the set is made', (t) => {
  t.throws(() => new CidrSet('10.244.0.0', 24), { message: 'invalid CIDR address: 10.244.0.0' });
  t.throws(() => new CidrSet('10.244.0.0/16', 8), { message: /mask size must be less than or equal to --node-cidr-mask-size/ });
  t.throws(() => new CidrSet('10.244.0.0/16', 33), { message: /not a mask size/ });
  t.throws(() => new CidrSet('fd00::/48', 80), { message: 'New CIDR set failed; the node CIDR size is too big' });
  t.notThrows(() => new CidrSet('fd00::/48', 64));
});
