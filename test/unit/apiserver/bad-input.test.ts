// The bad-input list against an in-process server: each answer is the Status upstream
// gives (code, reason, message), never a 500, and nothing is stored.
import test from 'ava';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { startFixture, type Reply } from './fixture.js';

const hooks = { applyPatch, serverSideApply, updateManagedFields, defaultObject, validateObject };
const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function failure(t: any, r: Reply, code: number, reason: string, message: string | RegExp) {
  t.is(r.status, code, r.text);
  t.is(r.json?.kind, 'Status');
  t.is(r.json?.reason, reason);
  if (typeof message === 'string') t.is(r.json?.message, message);
  else t.regex(r.json?.message ?? '', message);
}

// Node's client joins repeated Warning headers with ', '.
const warnings = (r: Reply) => String(r.headers.warning ?? '').split(/, (?=299 )/).filter(Boolean);

const deployment = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

test('malformed JSON and YAML bodies: upstream decode errors, nothing stored', async (t) => {
  const { call } = await startFixture(t, { hooks });
  failure(t, await call('POST', CMS, '{"apiVersion":"v1",'), 400, 'BadRequest',
    'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1",)');
  failure(t, await call('POST', CMS, '{"metadata":{name:"x"}}'), 400, 'BadRequest', /json parse error: invalid character 'n' looking for beginning of object key string/);
  failure(t, await call('POST', CMS, '[1]'), 400, 'BadRequest', /cannot unmarshal array into Go value/);
  failure(t, await call('POST', CMS, 'a: b: c\n', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest',
    /^the object provided is unrecognized \(must be of type ConfigMap\): error converting YAML to JSON: yaml: line 1: /);
  failure(t, await call('POST', CMS, '<x/>', { 'Content-Type': 'application/xml' }), 415, 'UnsupportedMediaType', /unknown format/);
  t.deepEqual((await call('GET', CMS)).json.items, []);
});

test('wrong kind or apiVersion: upstream conversion and scheme errors', async (t) => {
  const { call } = await startFixture(t, { hooks });
  failure(t, await call('POST', CMS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }), 400, 'BadRequest',
    'Service in version "v1" cannot be handled as a ConfigMap: converting (v1.Service) to (core.ConfigMap): unknown conversion');
  failure(t, await call('POST', CMS, { apiVersion: 'v1', kind: 'Nope', metadata: { name: 'x' } }), 400, 'BadRequest',
    'Nope in version "v1" cannot be handled as a ConfigMap: no kind "Nope" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  failure(t, await call('POST', DEPLOYS, { ...deployment('x'), apiVersion: 'apps/v1beta1' }), 400, 'BadRequest',
    'Deployment in version "v1beta1" cannot be handled as a Deployment: no kind "Deployment" is registered for version "apps/v1beta1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  failure(t, await call('POST', CMS, { apiVersion: 'v1', kind: 5 }), 400, 'BadRequest', /Go struct field \.kind of type string/);
  t.deepEqual((await call('GET', CMS)).json.items, []);
});

test('invalid names and name/namespace mismatches', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const bad = await call('POST', CMS, { metadata: { name: 'Bad_Name' } });
  failure(t, bad, 422, 'Invalid', /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
  t.is(bad.json.details.causes[0].field, 'metadata.name');
  failure(t, await call('POST', CMS, { metadata: {} }), 422, 'Invalid', /metadata.name: Required value: name or generateName is required/);
  failure(t, await call('POST', CMS, { metadata: { name: 'x', namespace: 'other' } }), 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  await call('POST', CMS, { metadata: { name: 'y' } });
  failure(t, await call('PUT', `${CMS}/y`, { metadata: { name: 'z' } }), 400, 'BadRequest', 'the name of the object (z) does not match the name on the URL (y)');
  t.deepEqual((await call('GET', CMS)).json.items.map((i: any) => i.metadata.name), ['y']);
});

test('objects over the limits: 413 for a request over 3 MiB and a stored object over 1.5 MiB', async (t) => {
  const { call } = await startFixture(t, { hooks });
  failure(t, await call('POST', CMS, { metadata: { name: 'huge' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } }), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
  failure(t, await call('POST', CMS, { metadata: { name: 'big' }, data: { a: 'x'.repeat(1600 * 1024) } }), 413, 'RequestEntityTooLarge', /^Request entity too large/);
  t.deepEqual((await call('GET', CMS)).json.items, []);
});

test('unknown and duplicate fields on create: Strict fails, Warn warns, Ignore is silent; unknown fields are never stored', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const body = (name: string) => `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{"foo":1,"paused":true,"paused":false,`
    + `"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"busybox","bar":2}]}}}}`;
  failure(t, await call('POST', `${DEPLOYS}?fieldValidation=Strict`, body('strict')), 400, 'BadRequest',
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].bar"');
  const warn = await call('POST', DEPLOYS, body('warn'));
  t.is(warn.status, 201);
  t.deepEqual(warnings(warn), ['299 - "unknown field \\"spec.foo\\""', '299 - "duplicate field \\"spec.paused\\""', '299 - "unknown field \\"spec.template.spec.containers[0].bar\\""']);
  const ignore = await call('POST', `${DEPLOYS}?fieldValidation=Ignore`, body('ignore'));
  t.is(ignore.status, 201);
  t.is(ignore.headers.warning, undefined);
  for (const name of ['warn', 'ignore']) {
    const got = (await call('GET', `${DEPLOYS}/${name}`)).json;
    t.is(got.spec.foo, undefined);
    t.is(got.spec.paused, false);
    t.is(got.spec.template.spec.containers[0].bar, undefined);
  }
  t.is((await call('GET', `${DEPLOYS}/strict`)).status, 404);
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: "1"\n  a: "2"\nfoo: 1\n';
  failure(t, await call('POST', `${CMS}?fieldValidation=Strict`, yaml, { 'Content-Type': 'application/yaml' }), 400, 'BadRequest',
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map, unknown field "foo"');
  const yWarn = await call('POST', CMS, yaml, { 'Content-Type': 'application/yaml' });
  t.deepEqual(warnings(yWarn), ['299 - "line 7: key \\"a\\" already set in map"', '299 - "unknown field \\"foo\\""']);
  t.deepEqual((await call('GET', `${CMS}/y`)).json.data, { a: '2' });
  failure(t, await call('POST', `${CMS}?fieldValidation=Sometimes`, { metadata: { name: 'z' } }), 400, 'BadRequest',
    'fieldValidation: Unsupported value: "Sometimes": supported values: "Ignore", "Strict", "Warn"');
});

test('unknown fields through updates and every patch type', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', DEPLOYS, deployment('d'))).status, 201);
  const merge = { 'Content-Type': 'application/merge-patch+json' };
  failure(t, await call('PATCH', `${DEPLOYS}/d?fieldValidation=Strict`, '{"spec":{"foo":1,"paused":true,"paused":false}}', merge), 400, 'BadRequest',
    'strict decoding error: duplicate field "spec.paused", unknown field "spec.foo"');
  const warned = await call('PATCH', `${DEPLOYS}/d`, '{"spec":{"foo":1,"paused":true}}', { 'Content-Type': 'application/strategic-merge-patch+json' });
  t.is(warned.status, 200);
  t.deepEqual(warnings(warned), ['299 - "unknown field \\"spec.foo\\""']);
  t.is(warned.json.spec.foo, undefined);
  failure(t, await call('PATCH', `${DEPLOYS}/d?fieldValidation=Strict`, '[{"op":"add","path":"/spec/foo","value":1,"x":1}]', { 'Content-Type': 'application/json-patch+json' }), 400, 'BadRequest',
    'strict decoding error: json patch unknown field "[0].x", unknown field "spec.foo"');
  const current = (await call('GET', `${DEPLOYS}/d`)).json;
  failure(t, await call('PUT', `${DEPLOYS}/d?fieldValidation=Strict`, { ...current, spec: { ...current.spec, foo: 1 } }), 400, 'BadRequest',
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"');
  const apply = { 'Content-Type': 'application/apply-patch+yaml' };
  failure(t, await call('PATCH', `${DEPLOYS}/d?fieldManager=m&fieldValidation=Strict`, JSON.stringify(deployment('d', { foo: 1 })), apply), 400, 'BadRequest',
    'failed to create typed patch object (apps/v1, Kind=Deployment default/d): .spec.foo: field not declared in schema');
  failure(t, await call('PATCH', `${DEPLOYS}/d?fieldManager=m&fieldValidation=Strict`, '{"apiVersion":"apps/v1","kind":"Deployment",\n"metadata":{"name":"d"},\n"metadata":{"name":"d"}}', apply), 400, 'BadRequest',
    'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 3: key "metadata" already set in map');
  t.is((await call('GET', `${DEPLOYS}/d`)).json.spec.foo, undefined);
});

test('bad patches and bad selectors', async (t) => {
  const { call } = await startFixture(t, { hooks });
  await call('POST', CMS, { metadata: { name: 'p' }, data: { a: '1' } });
  failure(t, await call('PATCH', `${CMS}/p`, '{"data":', { 'Content-Type': 'application/merge-patch+json' }), 400, 'BadRequest', 'error decoding patch: unexpected end of JSON input');
  failure(t, await call('PATCH', `${CMS}/p`, '{"data" 1}', { 'Content-Type': 'application/strategic-merge-patch+json' }), 400, 'BadRequest', `invalid character '1' after object key`);
  failure(t, await call('PATCH', `${CMS}/p`, '[{"op":"test","path":"/data/a","value":"2"}]', { 'Content-Type': 'application/json-patch+json' }), 422, 'Invalid', /the server rejected our request due to an error in our request/);
  failure(t, await call('PATCH', `${CMS}/p`, '{}', { 'Content-Type': 'application/foo' }), 415, 'UnsupportedMediaType', /unknown format/);
  t.deepEqual((await call('GET', `${CMS}/p`)).json.data, { a: '1' });
  failure(t, await call('GET', `${CMS}?labelSelector=a%20in%20(`), 400, 'BadRequest', /unable to parse requirement|found/);
  failure(t, await call('GET', `${CMS}?fieldSelector=spec.foo%3Dx`), 400, 'BadRequest', /field label not supported: spec.foo/);
});
