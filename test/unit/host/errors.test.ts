// Error codes reach HostError from outside the host layer's own code: a tool's stderr, a
// foreign error object's `code`. A code named after an Object.prototype member is an unknown
// code like any other, never a function in the errno field.
import test from 'ava';
import { errnoOf, HostError, toHostError } from '../../../src/host/errors.js';
import { hostError } from '../../../src/host/nft/exec.js';

const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

test('a code named after an Object.prototype member gets the fallback errno, not a member', (t) => {
  for (const code of PROTOTYPE_NAMES) {
    t.is(new HostError(code, 'm', 'open').errno, 0, code);
    t.is(toHostError({ code, message: 'm' }).errno, 5, code);
    t.is(hostError(code, 'm', 'nft').errno, 5, code);
    t.is(errnoOf(code), 5, code);
  }
});

test('known codes keep their errno, including the ones only the tools produced', (t) => {
  t.is(new HostError('ENOENT', 'm', 'open').errno, 2);
  t.is(toHostError({ code: 'EBUSY', message: 'm' }).errno, 16);
  t.is(hostError('ETIMEDOUT', 'm', 'nft').errno, 110);
  t.is(hostError('EIO', 'm', 'nft').errno, 5);
  t.is(errnoOf('EOPNOTSUPP'), 95);
  t.is(errnoOf('EWHATEVER', 0), 0);
});
