// Bodies whose JSON types do not fit the kind, against an in-process server: create and update
// are upstream's 400 decode error, every patch type upstream's answer for an object that no
// longer decodes, and nothing is stored.
import test from 'ava';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { startFixture, type Reply } from './fixture.js';

const hooks = { applyPatch, serverSideApply, updateManagedFields, defaultObject, validateObject };
const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const PODS = '/api/v1/namespaces/default/pods';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
const STRATEGIC = { 'Content-Type': 'application/strategic-merge-patch+json' };
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

function failure(t: any, r: Reply, code: number, reason: string, message: string | RegExp) {
  t.is(r.status, code, r.text);
  t.is(r.json?.reason, reason);
  if (typeof message === 'string') t.is(r.json?.message, message);
  else t.regex(r.json?.message ?? '', message);
}

const deployment = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});
const pod = (name: string, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ...container }] },
});

test('create: a value of the wrong JSON type is a 400 in upstream\'s decode words, whatever the field validation', async (t) => {
  const { call } = await startFixture(t, { hooks });
  for (const q of ['', '?fieldValidation=Ignore', '?fieldValidation=Strict']) {
    failure(t, await call('POST', CMS + q, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: { b: 1 } } }), 400, 'BadRequest',
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap.data of type string');
  }
  failure(t, await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 5 } }), 400, 'BadRequest',
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  failure(t, await call('POST', DEPLOYS, deployment('d', { replicas: '3' })), 400, 'BadRequest',
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  failure(t, await call('POST', DEPLOYS, deployment('d', { paused: 'true' })), 400, 'BadRequest',
    /cannot unmarshal string into Go struct field DeploymentSpec\.spec\.paused of type bool$/);
  failure(t, await call('POST', PODS, pod('p', { ports: [{ containerPort: '80' }] })), 400, 'BadRequest',
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
  // YAML bodies decode the same way.
  failure(t, await call('POST', CMS, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata:\n  a: [1]\n', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest',
    /json: cannot unmarshal array into Go struct field ConfigMap\.data of type string$/);
  t.deepEqual((await call('GET', CMS)).json.items, []);
  t.deepEqual((await call('GET', DEPLOYS)).json.items, []);
  // null where Go has a map, a pointer or a scalar is fine.
  const ok = await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z', labels: null }, data: null, immutable: null });
  t.is(ok.status, 201, ok.text);
});

test('update: the same 400, and the stored object is left as it was', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const created = await call('POST', DEPLOYS, deployment('d', { replicas: 2 }));
  t.is(created.status, 201, created.text);
  failure(t, await call('PUT', `${DEPLOYS}/d`, { ...created.json, spec: { ...created.json.spec, replicas: '3' } }), 400, 'BadRequest',
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is((await call('GET', `${DEPLOYS}/d`)).json.spec.replicas, 2);
});

test('json and merge patches: the patched object that no longer decodes is a 422 on field "patch", showing it', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'v' } })).status, 201);
  const merged = await call('PATCH', `${CMS}/x`, '{"data":{"a":{"b":1}}}', MERGE);
  failure(t, merged, 422, 'Invalid', /^ "" is invalid: patch: Invalid value: "\{.*\\"data\\":\{\\"k\\":\\"v\\",\\"a\\":\{\\"b\\":1\}\}.*\}": json: cannot unmarshal object into Go struct field ConfigMap\.data of type string$/);
  t.is(merged.json.details.causes[0].field, 'patch');
  t.is(merged.json.details.causes[0].reason, 'FieldValueInvalid');
  failure(t, await call('PATCH', `${CMS}/x`, '[{"op":"add","path":"/data/n","value":5}]', JSON_PATCH), 422, 'Invalid',
    /json: cannot unmarshal number into Go struct field ConfigMap\.data of type string$/);
  t.deepEqual((await call('GET', `${CMS}/x`)).json.data, { k: 'v' });

  t.is((await call('POST', DEPLOYS, deployment('d'))).status, 201);
  failure(t, await call('PATCH', `${DEPLOYS}/d`, '{"spec":{"replicas":"3"}}', MERGE), 422, 'Invalid',
    /: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
  t.is((await call('GET', `${DEPLOYS}/d`)).json.spec.replicas, 1);
});

test('strategic patches: the unstructured converter\'s words, showing the patch as Go prints it', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).status, 201);
  const r = await call('PATCH', `${CMS}/x`, '{"data":{"a":{"b":1}}}', STRATEGIC);
  failure(t, r, 422, 'Invalid', ' "" is invalid: patch: Invalid value: "map[data:map[a:map[b:1]]]": unrecognized type: string');
  t.is(r.json.details.causes[0].field, 'patch');
  t.is((await call('POST', PODS, pod('p'))).status, 201);
  failure(t, await call('PATCH', `${PODS}/p`, '{"spec":{"containers":[{"name":"c","ports":[{"containerPort":"80"}]}]}}', STRATEGIC), 422, 'Invalid',
    ' "" is invalid: patch: Invalid value: "map[spec:map[containers:[map[name:c ports:[map[containerPort:80]]]]]]": unrecognized type: int32');
  t.deepEqual((await call('GET', `${CMS}/x`)).json.data, undefined);
});

test('server-side apply: structured-merge-diff\'s words for every value of the wrong type', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const r = await call('PATCH', `${CMS}/x?fieldManager=m`, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: {b: 1}\n  n: 5\n', APPLY);
  failure(t, r, 400, 'BadRequest', 'failed to create typed patch object (/v1, Kind=ConfigMap default/x): errors:\n'
    + '  .data.a: expected string, got &value.valueUnstructured{Value:map[string]interface {}{"b":1}}\n'
    + '  .data.n: expected string, got &value.valueUnstructured{Value:5}');
  failure(t, await call('PATCH', `${DEPLOYS}/d?fieldManager=m`, JSON.stringify(deployment('d', { replicas: '3' })), APPLY), 400, 'BadRequest',
    'failed to create typed patch object (apps/v1, Kind=Deployment default/d): .spec.replicas: expected numeric (int or float), got string');
  t.is((await call('GET', `${CMS}/x`)).status, 404);
});

test('the scale subresource: a patched Scale that does not decode is the same 422, and replicas stay', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', DEPLOYS, deployment('d', { replicas: 2 }))).status, 201);
  failure(t, await call('PATCH', `${DEPLOYS}/d/scale`, '{"spec":{"replicas":"5"}}', MERGE), 422, 'Invalid',
    /: json: cannot unmarshal string into Go struct field ScaleSpec\.spec\.replicas of type int32$/);
  t.is((await call('GET', `${DEPLOYS}/d`)).json.spec.replicas, 2);
  const ok = await call('PATCH', `${DEPLOYS}/d/scale`, '{"spec":{"replicas":5}}', MERGE);
  t.is(ok.status, 200, ok.text);
});

test('subresource bodies (binding, eviction, scale) decode into their own kinds: the same 400', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', PODS, pod('p'))).status, 201);
  failure(t, await call('POST', `${PODS}/p/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 5 } }), 400, 'BadRequest',
    'Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal number into Go struct field ObjectReference.target.name of type string');
  failure(t, await call('POST', `${PODS}/p/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' }, deleteOptions: { gracePeriodSeconds: 'now' } }), 400, 'BadRequest',
    'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field DeleteOptions.deleteOptions.gracePeriodSeconds of type int64');
  t.is((await call('GET', `${PODS}/p`)).json.spec.nodeName, undefined);
  t.is((await call('POST', DEPLOYS, deployment('d', { replicas: 2 }))).status, 201);
  failure(t, await call('PUT', `${DEPLOYS}/d/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'd' }, spec: { replicas: '3' } }), 400, 'BadRequest',
    'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
  t.is((await call('GET', `${DEPLOYS}/d`)).json.spec.replicas, 2);
});

test('server-side apply: a long list key repeated in thousands of error paths is told up to 64 KiB, not joined whole', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const longName = 'n'.repeat(10_000);
  const env = Array.from({ length: 2000 }, (_, i) => ({ name: `E${i}`, value: i }));
  const body = JSON.stringify(pod('p', { name: longName, env }));
  const r = await call('PATCH', `${PODS}/p?fieldManager=m`, body, APPLY);
  t.is(r.status, 400, r.text.slice(0, 200));
  t.true(r.json.message.length <= 70 * 1024, String(r.json.message.length));
  t.true(r.json.message.startsWith('failed to create typed patch object (/v1, Kind=Pod default/p): errors:\n  .spec.containers[name="nnn'));
  const told = r.json.message.split('\n').length - 1;
  t.true(told >= 2 && told < 10, String(told));
});

test('delete bodies decode as DeleteOptions: a wrong type is refused in Go\'s words and nothing is deleted', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).status, 201);
  failure(t, await call('DELETE', `${CMS}/x`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 'now' }), 400, 'BadRequest',
    'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64');
  failure(t, await call('DELETE', `${CMS}/x`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 5 } }), 400, 'BadRequest',
    'json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type string');
  t.is((await call('GET', `${CMS}/x`)).status, 200);
  t.is((await call('DELETE', `${CMS}/x`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 })).status, 200);
});

test('delete bodies: null options are absent, as Go decodes them into nil pointers', async (t) => {
  const { call } = await startFixture(t, { hooks });
  t.is((await call('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).status, 201);
  const r = await call('DELETE', `${CMS}/x`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: null, propagationPolicy: null, preconditions: null });
  t.is(r.status, 200, r.text);
  t.is((await call('GET', `${CMS}/x`)).status, 404);
});
