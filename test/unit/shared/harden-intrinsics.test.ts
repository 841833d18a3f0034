// hardenIntrinsics, as `skiff server` and `skiff cri` call it (this file's worker thread has
// its own globals, so the change stays here): pollution fails, data keys named like inherited
// members survive protobufjs (CRI) and YAML decoding, `__proto__` assignment is an own key.
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { criDefinitions } from '../../../src/cri/load.js';
import { hardenIntrinsics } from '../../../src/own-keys.js';

test.before(() => hardenIntrinsics());

test('new properties on Object.prototype or Array.prototype are refused', (t) => {
  t.throws(() => { (Object.prototype as Record<string, unknown>).apiGroups = ['*']; }, { instanceOf: TypeError });
  t.throws(() => { (Array.prototype as unknown as Record<string, unknown>).resources = ['*']; }, { instanceOf: TypeError });
  t.is(({} as { apiGroups?: unknown }).apiGroups, undefined);
});

test('assigning __proto__ makes an own key and leaves the prototype alone', (t) => {
  const o: Record<string, unknown> = {};
  o['__proto__'] = { verbs: ['*'] };
  t.true(Object.hasOwn(o, '__proto__'));
  t.is(Object.getPrototypeOf(o), Object.prototype);
  t.is((o as { verbs?: unknown }).verbs, undefined);
});

test('CRI labels and annotations named toString, constructor, valueOf or __proto__ survive protobufjs', (t) => {
  const m = (criDefinitions().RuntimeService as unknown as Record<string, { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): any }>).RunPodSandbox!;
  const labels = JSON.parse('{"toString":"t","constructor":"c","__proto__":"p","app":"a"}');
  const back = m.requestDeserialize(m.requestSerialize({ config: { metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, labels, annotations: JSON.parse('{"valueOf":"v"}') } }));
  t.deepEqual(Object.entries(back.config.labels), [['toString', 't'], ['constructor', 'c'], ['__proto__', 'p'], ['app', 'a']]);
  t.deepEqual(Object.entries(back.config.annotations), [['valueOf', 'v']]);
});

test('YAML and plain assignment of inherited names still work', (t) => {
  t.deepEqual(Object.entries(parseYaml('toString: x\nconstructor: y\n')), [['toString', 'x'], ['constructor', 'y']]);
  const o: Record<string, unknown> = {};
  o['toString'] = 'own';
  t.is(o['toString'], 'own');
});
