// Continue tokens a client edited: upstream's decodeContinue answers 400 for each, and a start
// key stays below the list's prefix while names such as ClusterRole `a..b` page through.
import test from 'ava';
import { decodeContinue, encodeContinue } from '../../../src/apiserver/storage/continue.js';
import { ApiError } from '../../../src/apiserver/status.js';

const prefix = '/registry/configmaps/a/';
const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a token the server made reads back, names with ".." in them included', (t) => {
  t.deepEqual(decodeContinue(encodeContinue(7, prefix, `${prefix}x`), prefix), { revision: 7, after: `${prefix}x` });
  const roles = '/registry/clusterroles/';
  t.deepEqual(decodeContinue(encodeContinue(9, roles, `${roles}zz..a`), roles), { revision: 9, after: `${roles}zz..a` });
});

const refused: [string, string][] = [
  ['null', 'null'],
  ['a string', '"x"'],
  ['an array', '[1]'],
  ['rv 0', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 0, start: 'a1\u0000' })],
  ['rv negative', JSON.stringify({ v: 'meta.k8s.io/v1', rv: -5, start: 'a1\u0000' })],
  ['rv fractional', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a1\u0000' })],
  ['rv past 2^53', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1e300, start: 'a1\u0000' })],
  ['rv a string', JSON.stringify({ v: 'meta.k8s.io/v1', rv: '5', start: 'a1\u0000' })],
  ['no start', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: '' })],
  ['other version', JSON.stringify({ v: 'meta.k8s.io/v2', rv: 5, start: 'a1\u0000' })],
  ['up a level', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: '../b/\u0000' })],
  ['up two levels inside', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: 'a1/../../b\u0000' })],
  ['an empty segment', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: 'a//b\u0000' })],
  ['a dot segment', JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: './b\u0000' })],
];
for (const [what, json] of refused) {
  test(`a forged token is a 400: ${what}`, (t) => {
    const err = t.throws(() => decodeContinue(Buffer.from(json).toString('base64url'), prefix));
    t.true(err instanceof ApiError, String(err));
    t.is((err as ApiError).code, 400);
    t.regex(err!.message, /^continue key is not valid/);
  });
}

test('a token that is not base64 JSON is a 400', (t) => {
  const err = t.throws(() => decodeContinue('!!!', prefix));
  t.is((err as ApiError).code, 400);
});

test('an absolute start key is read below the prefix, as upstream reads it', (t) => {
  t.is(decodeContinue(forge({ v: 'meta.k8s.io/v1', rv: 3, start: '/b1\u0000' }), prefix).after, `${prefix}b1`);
});
