import test from 'ava';
import { applyPatch } from '../../../../src/apiserver/patch/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';

const pod = { group: '', version: 'v1', kind: 'Pod' };
const cm = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { k: 'v' } });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, reason: e.status.reason, message: e.message };
    throw e;
  }
  return undefined;
};

test('JSON patch applies add, replace, remove, move, copy and test in order', (t) => {
  const before = cm();
  const out = applyPatch('application/json-patch+json', before, [
    { op: 'test', path: '/data/k', value: 'v' },
    { op: 'add', path: '/data/n', value: 'x' },
    { op: 'replace', path: '/metadata/labels/a', value: '9' },
    { op: 'remove', path: '/metadata/labels/b' },
    { op: 'copy', from: '/data/k', path: '/data/k2' },
    { op: 'move', from: '/data/n', path: '/data/m' },
  ], pod);
  t.deepEqual(out, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '9' } }, data: { k: 'v', k2: 'v', m: 'x' } });
  t.deepEqual(before, cm(), 'the current object is left alone');
});

test('JSON patch: a failed test, a missing path or an unknown op is 422 with upstream wording', (t) => {
  for (const patch of [
    [{ op: 'test', path: '/data/k', value: 'other' }],
    [{ op: 'remove', path: '/spec/affinity' }],
    [{ op: 'replace', path: '/nope/x', value: 1 }],
    [{ op: 'frobnicate', path: '/data/k' }],
    [{ op: 'add', path: '/__proto__/polluted', value: 1 }],
    [{ op: 'add', path: '/data/x' }],
  ]) {
    t.deepEqual(code(() => applyPatch('application/json-patch+json', cm(), patch, pod)),
      { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' }, JSON.stringify(patch));
  }
});

test('JSON patch that is not a list of operations, or not JSON, is 400', (t) => {
  t.is(code(() => applyPatch('application/json-patch+json', cm(), { op: 'add' }, pod))?.code, 400);
  t.is(code(() => applyPatch('application/json-patch+json', cm(), [1], pod))?.code, 400);
  t.is(code(() => applyPatch('application/json-patch+json', cm(), '[{"op":', pod))?.code, 400);
  t.deepEqual(applyPatch('application/json-patch+json', cm(), Buffer.from('[{"op":"add","path":"/data/z","value":"1"}]'), pod), { ...cm(), data: { k: 'v', z: '1' } });
});

test('JSON patch past 10,000 operations is 413', (t) => {
  const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/kind', value: 'ConfigMap' }));
  t.is(code(() => applyPatch('application/json-patch+json', cm(), ops, pod))?.code, 413);
});

test('merge patch: objects merge, null deletes, lists and scalars replace', (t) => {
  const out = applyPatch('application/merge-patch+json',
    { ...cm(), spec: { list: [1, 2], nested: { x: 1, y: 2 } } },
    { metadata: { labels: { b: null, c: '3' } }, spec: { list: [3], nested: { y: null, z: { deep: true } } }, data: null }, pod);
  t.deepEqual(out, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', c: '3' } }, spec: { list: [3], nested: { x: 1, z: { deep: true } } } });
});

test('merge patch that is not an object is 400 "Invalid JSON Patch"', (t) => {
  t.deepEqual(code(() => applyPatch('application/merge-patch+json', cm(), [1], pod)), { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' });
  t.is(code(() => applyPatch('application/merge-patch+json', cm(), null, pod))?.code, 400);
  t.is(code(() => applyPatch('application/merge-patch+json', cm(), '{nope', pod))?.code, 400);
});

test('content types: parameters are ignored; apply and unknown types are 415 listing the accepted ones', (t) => {
  t.deepEqual(applyPatch('application/merge-patch+json; charset=utf-8', cm(), { data: { k: 'w' } }, pod), { ...cm(), data: { k: 'w' } });
  for (const type of ['application/json', 'application/apply-patch+yaml', 'text/plain']) {
    const e = code(() => applyPatch(type, cm(), {}, pod));
    t.is(e?.code, 415, type);
    t.is(e?.reason, 'UnsupportedMediaType');
    t.regex(e?.message ?? '', /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/strategic-merge-patch\+json, application\/apply-patch\+yaml/);
  }
});
