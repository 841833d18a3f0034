// Deeply nested bodies are refused before anything parses or walks them: JSON past 1,000
// levels and YAML past 500 (upstream: 10,000, which V8 and the yaml package cannot walk) are a
// 400 in Go's words, never a 500 or a stall.
import test from 'ava';
import { jsonDepthError, yamlDepthError } from '../../../src/api/nesting-depth.js';
import { decodeYaml } from '../../../src/api/strict-decode.js';
import { decodeProtobufObject } from '../../../src/apiserver/protobuf/codec.js';
import { encodeEnvelope } from '../../../src/apiserver/protobuf/envelope.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { startFixture } from './fixture.js';

const nestedJson = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

test('JSON: 1,000 levels pass, the 1,001st bracket is Go\'s "exceeded max depth"; brackets in strings do not count', (t) => {
  t.is(jsonDepthError(nestedJson(1_000)), undefined);
  t.is(jsonDepthError(nestedJson(1_001)), "invalid character '[' exceeded max depth");
  t.is(jsonDepthError(`{"a":${'{"b":'.repeat(1_000)}1${'}'.repeat(1_000)}}`), "invalid character '{' exceeded max depth");
  t.is(jsonDepthError(`{"s":"${'['.repeat(20_000)}\\"${'{'.repeat(20_000)}"}`), undefined);
});

test('YAML: flow and block nesting past 500 levels is "exceeded max depth of 500"', (t) => {
  const err = 'exceeded max depth of 500';
  t.is(yamlDepthError(`a: ${'['.repeat(499)}${']'.repeat(499)}`), undefined);
  t.is(yamlDepthError(`a: ${'['.repeat(501)}${']'.repeat(501)}`), err);
  t.is(yamlDepthError(`${'- '.repeat(501)}x`), err);
  t.is(yamlDepthError(`${'- '.repeat(400)}x`), undefined);
  t.is(yamlDepthError(Array.from({ length: 501 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')), err);
  t.is(yamlDepthError(`${'{a: '.repeat(501)}1${'}'.repeat(501)}`), err);
});

test('YAML: quoted scalars, comments, plain scalars with brackets and block scalars do not count', (t) => {
  const deepText = '['.repeat(2000);
  t.is(yamlDepthError(`a: "${deepText}"\nb: '${deepText}'\nc: x${deepText}\n# ${deepText}\n`), undefined);
  const block = `script: |\n${Array.from({ length: 600 }, (_, i) => `${' '.repeat(i + 2)}line`).join('\n')}\nnext: 1\n`;
  t.is(yamlDepthError(block), undefined);
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {a: "[x", b: '{y'}
spec:
  template:
    spec:
      containers:
      - name: c
        args: ["--re=^[a-z]+$", '{.items[*]}']
        env:
        - {name: A, value: "1"}
`;
  t.is(yamlDepthError(deployment), undefined);
});

test('the apiserver answers deep bodies with 400 in upstream words, and deep-but-allowed ones without a 500', async (t) => {
  const f = await startFixture(t);
  const json = (body: string) => f.call('POST', '/api/v1/namespaces/default/configmaps', body, { 'Content-Type': 'application/json' });
  const deep = await json(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"a":${nestedJson(100_000)}}}`);
  t.is(deep.status, 400, deep.text.slice(0, 200));
  t.regex(deep.json.message, /couldn't get version\/kind; json parse error: invalid character '\[' exceeded max depth/);
  const allowed = await json(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"a":${nestedJson(990)}}}`);
  t.true(allowed.status < 500, `${allowed.status} ${allowed.text.slice(0, 200)}`);
  const yaml = await f.call('POST', '/api/v1/namespaces/default/configmaps', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: ${'['.repeat(1_500_000)}`, { 'Content-Type': 'application/yaml' });
  t.is(yaml.status, 400);
  t.regex(yaml.json.message, /error converting YAML to JSON: yaml: exceeded max depth of 500/);
  const block = await f.call('POST', '/api/v1/namespaces/default/configmaps', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata:\n  a:\n  ${'- '.repeat(1_000_000)}x\n`, { 'Content-Type': 'application/yaml' });
  t.is(block.status, 400, block.text.slice(0, 200));
  t.is((await f.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { k: 'v' } })).status, 201);
  for (const [type, body] of [
    ['application/merge-patch+json', `{"data":{"a":${'{"b":'.repeat(990)}1${'}'.repeat(990)}}}`],
    ['application/strategic-merge-patch+json', `{"data":{"a":${'{"b":'.repeat(990)}1${'}'.repeat(990)}}}`],
    ['application/json-patch+json', `[{"op":"add","path":"/data/x","value":${nestedJson(990)}}]`],
    ['application/merge-patch+json', `{"data":{"a":${nestedJson(1_001)}}}`],
  ]) {
    const r = await f.call('PATCH', '/api/v1/namespaces/default/configmaps/c', body, { 'Content-Type': type! });
    t.true(r.status < 500, `${type}: ${r.status} ${r.text.slice(0, 200)}`);
  }
});

test('YAML bodies that are JSON text parse as JSON: same value, duplicates still reported in go-yaml words', (t) => {
  const text = '{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1","b":[1,2.5,true,null]},"__proto__":{"x":1}}';
  const fast = decodeYaml(text);
  t.deepEqual(fast.value, JSON.parse(text));
  t.true(Object.hasOwn(fast.value as object, '__proto__'));
  const dup = decodeYaml('{"data":{"a":"1","\\u0061":"2"}}');
  t.deepEqual(dup.duplicates, ['line 1: key "a" already set in map']);
});

test('protobuf: a million nested groups is a 400 (protobufjs stops at its nesting limit)', (t) => {
  // Field 99 (unknown to ConfigMap), wire type 3 (start group), over and over.
  const raw = Buffer.alloc(2_000_000);
  for (let i = 0; i < raw.length; i += 2) { raw[i] = 0x9b; raw[i + 1] = 0x06; }
  const err = t.throws(() => decodeProtobufObject(encodeEnvelope({ apiVersion: 'v1', kind: 'ConfigMap', raw })), { instanceOf: ApiError });
  t.is(err?.code, 400);
  t.regex(err?.message ?? '', /unable to decode v1, Kind=ConfigMap from protobuf: maximum nesting depth exceeded/);
});
