// Warning headers as upstream's recorder writes them, and field validation of a body with
// tens of thousands of unknown fields: the first 100 strict errors (sigs.k8s.io/json's cap),
// deduplicated, at most 4 KiB of warning text.
import test from 'ava';
import { WarningRecorder } from '../../../src/apiserver/http/warnings.js';
import { startFixture } from './fixture.js';

test('the recorder dedupes, then past the total cuts every item and drops what no longer fits (upstream TestTruncation)', (t) => {
  const r = new WarningRecorder({ total: 25, item: 5 });
  for (const w of ['aaaaaaaaaa', 'aaaaaaaaaa', 'bb', 'ccc', 'Iñtërnâtiô']) r.add(w);
  t.deepEqual(r.values, ['299 - "aaaaaaaaaa"', '299 - "bb"', '299 - "ccc"', '299 - "Iñtërnâtiô"']);
  for (const w of ['e', 'ffffffffff', 'ffffffffff', 'gggggggggg', 'h']) r.add(w);
  t.deepEqual(r.values, ['299 - "aaaaa"', '299 - "bb"', '299 - "ccc"', '299 - "Iñtër"', '299 - "e"', '299 - "fffff"', '299 - "ggggg"']);
});

test('the recorder quotes backslashes and quotes, and drops text with control characters as upstream', (t) => {
  const r = new WarningRecorder();
  r.add('say "hi" \\o/');
  r.add('two\nlines');
  r.add('');
  t.deepEqual(r.values, ['299 - "say \\"hi\\" \\\\o/"']);
});

test('at upstream limits: 10,000 distinct long warnings leave at most 4 KiB of text', (t) => {
  const r = new WarningRecorder();
  for (let i = 0; i < 10_000; i++) r.add(`${'x'.repeat(300)} ${i}`);
  const text = r.values.map((v) => v.slice('299 - "'.length, -1));
  t.true(text.every((w) => w.length === 256));
  t.is(text.length, 16);
});

function bigConfigMap(name: string, fields: number): string {
  const parts = [`"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}`];
  for (let i = 0; i < fields; i++) parts.push(`"unknownField${i}":"v"`);
  return `{${parts.join(',')}}`;
}

test('30,000 unknown fields: Warn keeps the first 100 as warnings, Strict names the first 100, Ignore is silent', async (t) => {
  const f = await startFixture(t);
  const send = (name: string, validation: string) => f.call('POST', `/api/v1/namespaces/default/configmaps?fieldValidation=${validation}`,
    bigConfigMap(name, 30_000), { 'Content-Type': 'application/json' });
  const warned = await send('warned', 'Warn');
  t.is(warned.status, 201, warned.text.slice(0, 300));
  const warnings = [warned.headers.warning ?? []].flat().join(', ').match(/299 - "(?:[^"\\]|\\.)*"/g) ?? [];
  t.is(warnings.length, 100);
  t.is(warnings[0], '299 - "unknown field \\"unknownField0\\""');
  t.is(warnings[99], '299 - "unknown field \\"unknownField99\\""');
  const strict = await send('strict', 'Strict');
  t.is(strict.status, 400);
  t.regex(strict.json.message, /strict decoding error: unknown field "unknownField0", unknown field "unknownField1", /);
  t.is(strict.json.message.match(/unknown field/g).length, 100);
  const ignored = await send('ignored', 'Ignore');
  t.is(ignored.status, 201);
  t.is(ignored.headers.warning, undefined);
});
