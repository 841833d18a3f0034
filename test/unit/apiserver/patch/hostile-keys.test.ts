// Keys from request bodies are data: `__proto__`, `constructor`, `toString`... at any depth of
// any patch flavour must neither reach Object.prototype nor vanish, and the result must be
// plain JSON. Property-based over the four patch paths and managedFields.
import test from 'ava';
import fc from 'fast-check';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../../src/apiserver/patch/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';
import { dict, ownValue, setOwn } from '../../../../src/own-keys.js';

const HOSTILE = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'apiGroups', 'resources'];
const pod = { group: '', version: 'v1', kind: 'ConfigMap' };
const key = fc.oneof(fc.constantFrom(...HOSTILE), fc.constantFrom('a', 'b', 'data', 'metadata', 'labels', '$patch'));
const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null));
// Objects built by JSON.parse, as the server receives them: `__proto__` is an own key there.
const { value: json } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(entries)),
}));

function entries(pairs: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of pairs) setOwn(out, k, v);
  return JSON.parse(JSON.stringify(out));
}

const snapshot = () => [Object.prototype, Array.prototype, Object, Function.prototype].map((o) => new Map(Reflect.ownKeys(o).map((k) => [k, Object.getOwnPropertyDescriptor(o, k)!.value])));
const BEFORE = snapshot();
/** No property of Object.prototype, Array.prototype, Object or Function.prototype was added, removed or replaced. */
const pristine = () => snapshot().every((now, i) => now.size === BEFORE[i]!.size && [...now].every(([k, v]) => BEFORE[i]!.get(k) === v));

/** Runs a patch function; an ApiError (a 4xx for the client) is an acceptable answer, anything else is not. */
function attempt(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApiError && e.code >= 400 && e.code < 500) return undefined;
    throw e;
  }
}

function assertClean(out: unknown): boolean {
  if (!pristine()) return false;
  // Round-trips through JSON: no prototype tricks, no functions, nothing inherited shows up.
  return out === undefined || (JSON.stringify(JSON.parse(JSON.stringify(out))) === JSON.stringify(out) && plain(out));
}

/** Every object in the tree has Object.prototype and only own data properties. */
function plain(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(plain);
  if (v === null || typeof v !== 'object') return typeof v !== 'function';
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v).every(plain);
}

const base = () => JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}},"data":{"k":"v","__proto__":"own"}}');

test('merge and strategic patches with hostile keys at any depth leave Object.prototype alone', (t) => {
  fc.assert(fc.property(json, (patch) => {
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      const out = attempt(() => applyPatch(type, base(), patch, pod));
      if (!assertClean(out)) return false;
    }
    return true;
  }), { numRuns: 400 });
  t.true(pristine());
});

test('JSON patch with hostile path segments leaves Object.prototype alone', (t) => {
  const segment = fc.oneof(key, fc.constantFrom('0', '-', 'k'));
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
  const op = fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), path, from: path, value: json });
  fc.assert(fc.property(fc.array(op, { maxLength: 4 }), (ops) => assertClean(attempt(() => applyPatch('application/json-patch+json', base(), ops, pod)))), { numRuns: 400 });
  t.true(pristine());
});

test('server-side apply and managedFields with hostile keys leave Object.prototype alone', (t) => {
  fc.assert(fc.property(json, json, (data, labels) => {
    const applied = JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels }, data }));
    const out = attempt(() => serverSideApply(base(), applied, { manager: 'm', force: true, gvk: pod, now: '2026-01-01T00:00:00Z' }));
    if (!assertClean(out)) return false;
    if (out) attempt(() => updateManagedFields(base(), out, 'other', 'Update', '2026-01-01T00:00:00Z'));
    return assertClean(out);
  }), { numRuns: 300 });
  t.true(pristine());
});

test('managedFields sent or stored with hostile fieldsV1 keys leave Object.prototype alone', (t) => {
  const fieldKey = fc.oneof(key.map((k) => `f:${k}`), key, fc.constantFrom('.', 'k:{"name":"__proto__"}', 'v:"constructor"', 'i:0'));
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, fc.constant({}), fc.array(fc.tuple(fieldKey, tie('tree')), { maxLength: 4 }).map(entries)),
  }));
  fc.assert(fc.property(tree, (fieldsV1) => {
    const managed = [{ manager: 'evil', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1 }];
    const current = { ...base(), metadata: { ...base().metadata, managedFields: managed } };
    const next = JSON.parse(JSON.stringify({ ...current, data: { k: 'changed' } }));
    attempt(() => updateManagedFields(current, next, 'other', 'Update', '2026-01-01T00:00:00Z'));
    if (!assertClean(next)) return false;
    const applied = attempt(() => serverSideApply(current, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'x' } }, { manager: 'm', force: true, gvk: pod, now: '2026-01-01T00:00:00Z' }));
    return assertClean(applied);
  }), { numRuns: 300 });
  t.true(pristine());
});

test('the reported exploit: a __proto__ key in a merge or strategic patch is an ordinary key', (t) => {
  const evil = JSON.parse('{"data":{"__proto__":{"apiGroups":["*"],"resources":["*"]}},"metadata":{"__proto__":{"verbs":["*"]}}}');
  for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
    const out = applyPatch(type, base(), evil, pod) as { data: object; metadata: object };
    t.deepEqual(Object.keys(out.data), ['k', '__proto__']);
    t.deepEqual(ownValue(out.data as Record<string, unknown>, '__proto__'), { apiGroups: ['*'], resources: ['*'] }, type);
    t.deepEqual(ownValue(out.metadata as Record<string, unknown>, '__proto__'), { verbs: ['*'] }, type);
    t.is(Object.getPrototypeOf(out.data), Object.prototype);
    t.is(({} as { apiGroups?: unknown }).apiGroups, undefined);
    t.is(({} as { verbs?: unknown }).verbs, undefined);
  }
});

test('JSON patch: inherited members are missing paths (422), and add makes them ordinary keys', (t) => {
  const code = (ops: unknown) => { try { applyPatch('application/json-patch+json', base(), ops, pod); return 200; } catch (e) { return (e as ApiError).code; } };
  t.is(code([{ op: 'replace', path: '/metadata/toString', value: 'x' }]), 422);
  t.is(code([{ op: 'copy', from: '/metadata/constructor', path: '/metadata/c' }]), 422);
  t.is(code([{ op: 'add', path: '/metadata/constructor/prototype/polluted', value: 'x' }]), 422);
  t.is(code([{ op: 'test', path: '/data/toString', value: null }]), 422);
  const out = applyPatch('application/json-patch+json', base(), [
    { op: 'add', path: '/metadata/labels/toString', value: 't' },
    { op: 'add', path: '/metadata/labels/__proto__', value: 'p' },
    { op: 'replace', path: '/data/__proto__', value: 'replaced' },
  ], pod) as { metadata: { labels: object }; data: object };
  t.deepEqual(JSON.parse(JSON.stringify(out.metadata.labels)), JSON.parse('{"a":"1","toString":"t","__proto__":"p"}'));
  t.is(ownValue(out.data as Record<string, unknown>, '__proto__'), 'replaced');
  t.is((Object.prototype as Record<string, unknown>).polluted, undefined);
});

test('own-keys helpers: setOwn keeps __proto__ and inherited names as data; dict has no prototype', (t) => {
  const o: Record<string, unknown> = {};
  setOwn(o, '__proto__', { x: 1 });
  setOwn(o, 'toString', 'y');
  t.is(Object.getPrototypeOf(o), Object.prototype);
  t.deepEqual(Object.keys(o), ['__proto__', 'toString']);
  t.is(ownValue(o, 'constructor'), undefined);
  const d = dict<string>();
  t.is(Reflect.get(d, 'constructor') as unknown, undefined);
  t.false('toString' in d);
});
