import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';

const core = (kind: string) => ({ group: '', version: 'v1', kind });
const SECRET = core('Secret');
const CM = core('ConfigMap');
const NS = core('Namespace');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const secret = (type: string, data: object, extra: object = {}) => ({ metadata: { name: 's' }, type, data, ...extra });

test('what kubectl create secret (generic, tls, docker-registry) and configmap send is valid', (t) => {
  const generic: any = { metadata: { name: 's' }, data: { password: b64('hunter2') } };
  defaultObject(SECRET, generic);
  t.deepEqual(validateObject(SECRET, generic), []);
  t.deepEqual(validateObject(SECRET, secret('kubernetes.io/tls', { 'tls.crt': b64('crt'), 'tls.key': b64('key') })), []);
  t.deepEqual(validateObject(SECRET, secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{"r.example.com":{"auth":"eDp5"}}}') })), []);
  t.deepEqual(validateObject(SECRET, { metadata: { name: 's' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } }), []);
  t.deepEqual(validateObject(CM, { metadata: { name: 'c' }, data: { 'app.properties': 'a=b' }, binaryData: { 'logo.png': b64('png') } }), []);
  const ns: any = { metadata: { name: 'team-a' } };
  defaultObject(NS, ns);
  t.deepEqual(validateObject(NS, ns), []);
});

test('secret types need their keys; docker configs are JSON', (t) => {
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/tls', { 'tls.crt': b64('crt') }))), [['data[tls.key]', 'Required value']]);
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/dockerconfigjson', {}))), [['data[.dockerconfigjson]', 'Required value']]);
  const bad = validateObject(SECRET, secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{not json') }));
  t.deepEqual(bad.map((c) => c.field), ['data[.dockerconfigjson]']);
  t.true(bad[0]!.message.startsWith('Invalid value: "<secret contents redacted>": '));
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/basic-auth', {}))), [['data[username]', 'Required value'], ['data[password]', 'Required value']]);
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/ssh-auth', {}))), [['data[ssh-privatekey]', 'Required value']]);
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/service-account-token', {}))), [['metadata.annotations[kubernetes.io/service-account.name]', 'Required value']]);
  t.deepEqual(shape(validateObject(SECRET, secret('Opaque', { big: b64('x'.repeat(1024 * 1024)) }))), [['data', 'Too long: may not be more than 1048576 bytes']]);
});

test('immutable secrets and configmaps keep their data; a secret keeps its type', (t) => {
  const old = secret('Opaque', { a: b64('1') }, { immutable: true });
  t.deepEqual(validateObject(SECRET, secret('Opaque', { a: b64('1') }, { immutable: true, metadata: { name: 's', labels: { x: 'y' } } }), old), []);
  t.deepEqual(shape(validateObject(SECRET, secret('Opaque', { a: b64('2') }, { immutable: true }), old)), [['data', 'Forbidden: field is immutable when `immutable` is set']]);
  t.deepEqual(shape(validateObject(SECRET, secret('Opaque', { a: b64('1') }, { immutable: false }), old)), [['immutable', 'Forbidden: field is immutable when `immutable` is set']]);
  t.deepEqual(shape(validateObject(SECRET, secret('Opaque', { a: b64('1') }, { immutable: true, stringData: { b: '2' } }), old)).map((c) => c[0]), ['data']);
  t.deepEqual(shape(validateObject(SECRET, secret('kubernetes.io/tls', { 'tls.crt': 'x', 'tls.key': 'y' }), secret('Opaque', {}))), [['type', 'Invalid value: "kubernetes.io/tls": field is immutable']]);
  const cm = (data: object, binaryData?: object, immutable = true) => ({ metadata: { name: 'c' }, immutable, data, ...(binaryData ? { binaryData } : {}) });
  t.deepEqual(shape(validateObject(CM, cm({ a: '2' }), cm({ a: '1' }))), [['data', 'Forbidden: field is immutable when `immutable` is set']]);
  t.deepEqual(shape(validateObject(CM, cm({ a: '1' }, { b: b64('x') }), cm({ a: '1' }))), [['binaryData', 'Forbidden: field is immutable when `immutable` is set']]);
  t.deepEqual(validateObject(CM, cm({ a: '2' }, undefined, false), cm({ a: '1' }, undefined, false)), []);
});

test('namespace and metadata finalizers are qualified names (or standard ones in a namespace spec)', (t) => {
  t.deepEqual(shape(validateObject(NS, { metadata: { name: 'n' }, spec: { finalizers: ['kubernetes', 'example.com/cleanup', 'cleanup'] } })),
    [['spec.finalizers', 'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']]);
  t.deepEqual(validateObject(CM, { metadata: { name: 'c', finalizers: ['example.com/keep'] } }), []);
  t.deepEqual(shape(validateObject(CM, { metadata: { name: 'c', finalizers: ['bad finalizer!'] } })).map((c) => c[0]), ['metadata.finalizers']);
});

test('size limits count UTF-8 bytes, as upstream: annotations (256 KiB) and Secret stringData (1 MiB)', (t) => {
  const annotated = (v: string) => ({ metadata: { name: 'c', annotations: { k: v } } });
  t.deepEqual(shape(validateObject(CM, annotated('é'.repeat(140_000)))), [['metadata.annotations', 'Too long: may not be more than 262144 bytes']]);
  t.deepEqual(shape(validateObject(CM, annotated('😀'.repeat(70_000)))), [['metadata.annotations', 'Too long: may not be more than 262144 bytes']]);
  t.deepEqual(validateObject(CM, annotated('é'.repeat(131_000))), []);
  t.deepEqual(shape(validateObject(SECRET, { metadata: { name: 's' }, type: 'Opaque', stringData: { big: 'é'.repeat(600_000) } })), [['data', 'Too long: may not be more than 1048576 bytes']]);
});

test('a binaryData key is a duplicate only of a data key the body has, not of an inherited name', (t) => {
  const cm = JSON.parse('{"metadata":{"name":"c"},"data":{"a":"1"},"binaryData":{"constructor":"eA==","toString":"eA==","a":"eA=="}}');
  t.deepEqual(shape(validateObject(CM, cm)), [['data[a]', 'Duplicate value: "a"']]);
});
