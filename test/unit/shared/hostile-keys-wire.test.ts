// Names that arrive from outside the process as map keys — SPDY header names, CNI_ARGS keys,
// an nft object's kind — that happen to be Object.prototype members (`constructor`,
// `__proto__`, `toString`) are data like any other name.
import test from 'ava';
import { parseCniArgs } from '../../../src/cni/skel.js';
import { FrameDecoder, FrameEncoder } from '../../../src/cri/streaming/spdy/frames.js';
import { Transaction } from '../../../src/host/nft/transaction.js';

test('SPDY: header names like constructor and __proto__ decode as headers, not as duplicates or prototypes', (t) => {
  const headers = JSON.parse('{"constructor":"c","__proto__":"p","tostring":"s","port":"80"}');
  const wire = new FrameEncoder().encode({ type: 'synReply', streamId: 1, fin: false, headers });
  const [frame] = new FrameDecoder().push(wire);
  t.deepEqual(Object.entries((frame as { headers: object }).headers), [['constructor', 'c'], ['__proto__', 'p'], ['tostring', 's'], ['port', '80']]);
});

test('CNI_ARGS: __proto__ and constructor are keys like K8S_POD_NAME', (t) => {
  const args = parseCniArgs('__proto__=x;constructor=y;K8S_POD_NAME=p');
  t.deepEqual(Object.entries(args), [['__proto__', 'x'], ['constructor', 'y'], ['K8S_POD_NAME', 'p']]);
  t.is(Object.getPrototypeOf(args), Object.prototype);
});

test('nft: an object kind named after an Object.prototype member poisons the transaction with EINVAL', (t) => {
  for (const kind of ['constructor', 'toString', '__proto__']) {
    const tx = new Transaction().add({ kind, family: 'ip', name: 't' } as never);
    t.is(tx.err?.code, 'EINVAL', kind);
    t.regex(tx.err?.message ?? '', /unknown object kind/);
  }
});
