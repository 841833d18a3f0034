import test from 'ava';
import { checkBodyKind } from '../../../src/api/body-kind.js';
import { undeclaredApplyPaths } from '../../../src/api/apply-types.js';
import { kindNode, pruneUnknownFields } from '../../../src/api/fieldvalidation.js';
import { decodeYaml, JSON_PATCH_SHAPE, jsonSyntaxError, strictJsonProblems } from '../../../src/api/strict-decode.js';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
// Upstream's field validation integration test body (test/integration/apiserver/field_validation_test.go), reshaped.
const body = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","name":"b","unknownMeta":1},
"spec":{"unknown1":"v","unknownDupe":1,"unknownDupe":2,"paused":true,"paused":false,
"template":{"spec":{"containers":[{"name":"nginx","image":"i","unknownNested":{"x":1,"x":2},"imagePullPolicy":"A","imagePullPolicy":"N"}]}}}}`;

test('JSON bodies: unknown and duplicate fields in document order, a field both unknown and repeated once', (t) => {
  t.deepEqual(strictJsonProblems(body, kindNode(deployment)!), [
    'duplicate field "metadata.name"', 'unknown field "metadata.unknownMeta"', 'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"', 'duplicate field "spec.paused"',
    'unknown field "spec.template.spec.containers[0].unknownNested"', 'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  ]);
});

test('patch bodies: duplicates everywhere; JSON patch operations checked as upstream words them', (t) => {
  t.deepEqual(strictJsonProblems('{"a":{"b":1,"b":2},"a":3}', 'untyped'), ['duplicate field "a.b"', 'duplicate field "a"']);
  t.deepEqual(strictJsonProblems('[{"op":"add","path":"/x","value":{"q":1,"q":2},"foo":1},{"op":"add","path":"/a","path":"/b","value":1}]', JSON_PATCH_SHAPE, 'json patch '),
    ['json patch unknown field "[0].foo"', 'json patch duplicate field "[1].path"']);
});

test('pruning drops unknown fields, keeps maps and raw values, and leaves the input alone', (t) => {
  const obj = JSON.parse(body);
  const before = JSON.stringify(obj);
  const { pruned, unknown } = pruneUnknownFields(deployment, obj);
  t.is(JSON.stringify(obj), before);
  t.deepEqual(unknown, ['metadata.unknownMeta', 'spec.template.spec.containers[0].unknownNested', 'spec.unknown1', 'spec.unknownDupe']);
  t.deepEqual(pruned.spec.template.spec.containers[0], { name: 'nginx', image: 'i', imagePullPolicy: 'N' });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { any: 'x' }, managedFields: [{ fieldsV1: { 'f:data': {} } }] }, data: { k: 'v' } };
  t.is(pruneUnknownFields({ group: '', version: 'v1', kind: 'ConfigMap' }, cm).pruned, cm);
  t.deepEqual(pruneUnknownFields({ group: 'x', version: 'v1', kind: 'Nope' }, { a: 1 }).unknown, []);
});

test("a StatefulSet's volumeClaimTemplates are declared (kubernetes-models writes them inline) and survive pruning", (t) => {
  const sts = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
    spec: {
      selector: { matchLabels: { app: 'db' } }, serviceName: 'db', template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'i' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, bogus: 1 } }],
    },
  };
  const { pruned, unknown } = pruneUnknownFields({ group: 'apps', version: 'v1', kind: 'StatefulSet' }, sts);
  t.deepEqual(unknown, ['spec.volumeClaimTemplates[0].spec.bogus']);
  t.deepEqual(pruned.spec.volumeClaimTemplates, [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]);
});

test('apply paths are structured-merge-diff shaped', (t) => {
  t.deepEqual(undeclaredApplyPaths(deployment, JSON.parse(body)), [
    '.metadata.unknownMeta', '.spec.template.spec.containers[name="nginx"].unknownNested', '.spec.unknown1', '.spec.unknownDupe',
  ]);
});

test('JSON syntax errors in Go encoding/json words', (t) => {
  t.is(jsonSyntaxError('{"a":1}'), undefined);
  t.is(jsonSyntaxError('{"a":'), 'unexpected end of JSON input');
  t.is(jsonSyntaxError(''), 'unexpected end of JSON input');
  t.is(jsonSyntaxError('{a:1}'), `invalid character 'a' looking for beginning of object key string`);
  t.is(jsonSyntaxError('{"a" 1}'), `invalid character '1' after object key`);
  t.is(jsonSyntaxError('{"a":1 "b":2}'), `invalid character '"' after object key:value pair`);
  t.is(jsonSyntaxError('[1 2]'), `invalid character '2' after array element`);
  t.is(jsonSyntaxError('{"a":1}x'), `invalid character 'x' after top-level value`);
  t.is(jsonSyntaxError('x'), `invalid character 'x' looking for beginning of value`);
});

test('YAML: repeated keys listed by line in document order, the last value wins; bad YAML throws', (t) => {
  const { value, duplicates } = decodeYaml('a: 1\nb:\n  c: 2\n  c: 3\na: 4\n');
  t.deepEqual(value, { a: 4, b: { c: 3 } });
  t.deepEqual(duplicates, ['line 4: key "c" already set in map', 'line 5: key "a" already set in map']);
  t.throws(() => decodeYaml('a: b: c\n'), { message: /^yaml: line 1: / });
});

test('body kinds: defaults from the endpoint, upstream wording for the wrong kind or version', (t) => {
  const cm = { group: '', version: 'v1', kind: 'ConfigMap' };
  const raw = Buffer.from('{}');
  t.true(checkBodyKind(cm, {}, raw).ok);
  t.true(checkBodyKind(cm, { kind: 'ConfigMap' }, raw).ok);
  const msg = (b: unknown) => { const r = checkBodyKind(cm, b, Buffer.from(JSON.stringify(b))); return r.ok ? '' : r.message; };
  t.is(msg({ apiVersion: 'v1', kind: 'Service' }), 'Service in version "v1" cannot be handled as a ConfigMap: converting (v1.Service) to (core.ConfigMap): unknown conversion');
  t.is(msg({ apiVersion: 'v1', kind: 'Foo' }), 'Foo in version "v1" cannot be handled as a ConfigMap: no kind "Foo" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  t.is(msg({ apiVersion: 'apps/v1' }), 'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  t.is(msg({ apiVersion: 'a/b/c', kind: 'ConfigMap' }), 'the object provided is unrecognized (must be of type ConfigMap): unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c","kind":" ...)');
  t.regex(msg({ kind: 5 }), /couldn't get version\/kind; json parse error: json: cannot unmarshal number into Go struct field \.kind of type string/);
  t.regex(msg([1]), /cannot unmarshal array into Go value of type struct/);
});

test('strict JSON problems stop at upstream\'s 100 distinct ones, in document order', (t) => {
  const fields = Array.from({ length: 5_000 }, (_, i) => `"u${i}":1`).join(',');
  const problems = strictJsonProblems(`{"apiVersion":"v1","kind":"ConfigMap",${fields}}`, 'untyped');
  t.is(problems.length, 0, 'untyped: no unknown fields');
  const typed = strictJsonProblems(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"a":1,"a":2,"a":3},${fields}}`, kindNode({ group: '', version: 'v1', kind: 'ConfigMap' })!);
  t.is(typed.length, 100);
  t.deepEqual(typed.slice(0, 3), ['unknown field "metadata.a"', 'unknown field "u0"', 'unknown field "u1"']);
  t.is(typed[99], 'unknown field "u98"');
});
