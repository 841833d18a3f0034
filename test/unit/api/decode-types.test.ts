import test from 'ava';
import { applyTypeErrors } from '../../../src/api/apply-types.js';
import { base64Error, decodeTypeError, firstTypeError, goPrint, jsonTextTypeError } from '../../../src/api/decode-types.js';
import type { FieldNode } from '../../../src/api/fieldvalidation.js';

const cm = { group: '', version: 'v1', kind: 'ConfigMap' };
const secret = { group: '', version: 'v1', kind: 'Secret' };
const pod = { group: '', version: 'v1', kind: 'Pod' };
const deploy = { group: 'apps', version: 'v1', kind: 'Deployment' };
const svc = { group: '', version: 'v1', kind: 'Service' };
const podWith = (container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({ spec: { containers: [{ name: 'c', ...container }], ...spec } });

test('scalars: a value of another JSON type is encoding/json\'s error, with the innermost struct and the field path', (t) => {
  t.is(decodeTypeError(cm, { data: { a: { b: 1 } } }), 'json: cannot unmarshal object into Go struct field ConfigMap.data of type string');
  t.is(decodeTypeError(cm, { metadata: { name: 5 } }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  t.is(decodeTypeError(deploy, { spec: { replicas: '3' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is(decodeTypeError(deploy, { spec: { paused: 'true' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
  t.is(decodeTypeError(cm, { immutable: 1 }), 'json: cannot unmarshal number into Go struct field ConfigMap.immutable of type bool');
  t.is(decodeTypeError(pod, podWith({}, { securityContext: { runAsUser: 'root' } })),
    'json: cannot unmarshal string into Go struct field PodSecurityContext.spec.securityContext.runAsUser of type int64');
  // Right types pass, whatever their values.
  t.is(decodeTypeError(deploy, { spec: { replicas: 3, paused: false, template: { spec: { containers: [] } } } }), undefined);
});

test('integers: fractions and numbers past the Go type\'s range are named, int64 takes what int32 does not', (t) => {
  t.is(decodeTypeError(deploy, { spec: { replicas: 1.5 } }), 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is(decodeTypeError(deploy, { spec: { replicas: 2 ** 31 } }), 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is(decodeTypeError(deploy, { spec: { replicas: -(2 ** 31) } }), undefined);
  t.is(decodeTypeError(pod, podWith({}, { securityContext: { runAsUser: 2 ** 40 } })), undefined);
  t.is(decodeTypeError(pod, podWith({}, { activeDeadlineSeconds: 1e300 })),
    'json: cannot unmarshal number 1e+300 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64');
});

test('nested lists and maps: the path names struct fields only; containers of the wrong shape name Go\'s slice and map types', (t) => {
  t.is(decodeTypeError(pod, podWith({ ports: [{ containerPort: 80 }, { containerPort: '81' }] })),
    'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
  t.is(decodeTypeError(pod, { spec: { containers: 'c' } }), 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
  t.is(decodeTypeError(pod, { spec: { containers: {} } }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
  t.is(decodeTypeError(pod, { spec: [] }), 'json: cannot unmarshal array into Go struct field Pod.spec of type v1.PodSpec');
  t.is(decodeTypeError(cm, { metadata: { labels: ['a'] } }), 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string');
  t.is(decodeTypeError(pod, podWith({ args: ['a', 1] })), 'json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string');
});

test('the first mismatch is told, in document order, and the decode goes on past it', (t) => {
  t.is(decodeTypeError(cm, { data: { a: 1 }, metadata: { name: 5 } }), 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  t.is(decodeTypeError(cm, { metadata: { name: 5 }, data: { a: 1 } }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  // Unknown fields are skipped, not type-checked.
  t.is(decodeTypeError(cm, { nope: { deep: [1] }, data: null }), undefined);
});

test('null is fine for every type: maps, lists, structs and scalars', (t) => {
  t.is(decodeTypeError(pod, { metadata: { name: null, labels: null }, spec: { containers: null, securityContext: null, activeDeadlineSeconds: null, hostNetwork: null } }), undefined);
  t.is(decodeTypeError(pod, podWith({ ports: [null], resources: { limits: { cpu: null } } })), undefined);
  t.is(decodeTypeError(svc, { spec: { ports: [{ port: 80, targetPort: null }] } }), undefined);
});

test('int-or-string: strings and int32s; anything else fails at once as an int32, ahead of an earlier saved mismatch', (t) => {
  t.is(decodeTypeError(svc, { spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } }), undefined);
  t.is(decodeTypeError(svc, { spec: { ports: [{ port: 80, targetPort: true }] } }),
    'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32');
  t.is(decodeTypeError(svc, { spec: { ports: [{ port: 80, targetPort: 1.5 }] } }),
    'json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32');
  t.is(decodeTypeError(svc, { metadata: { name: 1 }, spec: { ports: [{ port: 80, targetPort: {} }] } }),
    'json: cannot unmarshal object into Go struct field ServicePort.spec.ports.targetPort of type int32');
});

test('quantities: strings and numbers that parse; others fail with resource.ParseQuantity\'s error', (t) => {
  t.is(decodeTypeError(pod, podWith({ resources: { limits: { cpu: '500m', memory: 1073741824 }, requests: { cpu: 0.5 } } })), undefined);
  const regex = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  t.is(decodeTypeError(pod, podWith({ resources: { limits: { cpu: {} } } })), regex);
  t.is(decodeTypeError(pod, podWith({ resources: { limits: { cpu: true } } })), regex);
  t.is(decodeTypeError(pod, podWith({ resources: { limits: { cpu: 'lots' } } })), regex);
  t.is(decodeTypeError(pod, podWith({ resources: { limits: { cpu: '1.2.3' } } })), 'unable to parse numeric part of quantity');
  t.is(decodeTypeError(pod, podWith({ resources: { limits: 'cpu' } })),
    'json: cannot unmarshal string into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList');
});

test('bytes: base64 strings with Go\'s offsets of the bad input; times must be strings', (t) => {
  t.is(decodeTypeError(secret, { data: { a: 'aGVsbG8=' } }), undefined);
  t.is(decodeTypeError(secret, { data: { a: 'hello!' } }), 'illegal base64 data at input byte 5');
  t.is(decodeTypeError(secret, { data: { a: 5 } }), 'json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
  t.is(decodeTypeError(cm, { binaryData: { a: 'abc' } }), 'illegal base64 data at input byte 0');
  t.is(base64Error(''), undefined);
  t.is(base64Error('YQ=='), undefined);
  t.is(base64Error('YQ\n=='), undefined);
  t.is(base64Error('YQ='), 'illegal base64 data at input byte 3');
  t.is(base64Error('YQ==YQ=='), 'illegal base64 data at input byte 4');
  t.is(base64Error('Y==='), 'illegal base64 data at input byte 1');
  t.is(base64Error('YWJjZA'), 'illegal base64 data at input byte 4');
  t.is(decodeTypeError(cm, { metadata: { creationTimestamp: 5 } }),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string');
});

test('raw values are not looked into; a self-referencing schema is walked as deep as the value', (t) => {
  const raw: FieldNode = { type: 'struct', goType: 'v1.X', fields: new Map([['raw', () => ({ type: 'any' })]]) };
  t.is(firstTypeError(raw, { raw: { anything: [1, 'a', { b: true }] } }), undefined);
  const crd = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
  const schema = (depth: number): unknown => (depth === 0 ? { type: 5 } : { type: 'object', properties: { p: schema(depth - 1) } });
  t.regex(decodeTypeError(crd, { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: schema(30) } }] } }) ?? '',
    /^json: cannot unmarshal number into Go struct field JSONSchemaProps\.spec\.versions\.schema\.openAPIV3Schema(\.properties)+\.type of type string$/);
});

test('a large hostile body is walked once: 200,000 wrong values report the first', (t) => {
  const data: Record<string, unknown> = {};
  for (let i = 0; i < 200_000; i++) data[`k${i}`] = { v: i };
  t.is(decodeTypeError(cm, { data }), 'json: cannot unmarshal object into Go struct field ConfigMap.data of type string');
});

test('the unstructured converter\'s words (strategic patches): first error ends it', (t) => {
  t.is(decodeTypeError(cm, { data: { a: { b: 1 } } }, 'unstructured'), 'unrecognized type: string');
  t.is(decodeTypeError(cm, { data: { a: 1 } }, 'unstructured'), 'cannot convert int64 to string');
  t.is(decodeTypeError(deploy, { spec: { replicas: '3' } }, 'unstructured'), 'unrecognized type: int32');
  t.is(decodeTypeError(deploy, { spec: { replicas: 1.5 } }, 'unstructured'), 'cannot convert float64 to int32');
  t.is(decodeTypeError(deploy, { spec: { replicas: 2 ** 40 } }, 'unstructured'), undefined);
  t.is(decodeTypeError(pod, { spec: 'x' }, 'unstructured'), 'cannot restore struct from: string');
  t.is(decodeTypeError(pod, { spec: { containers: {} } }, 'unstructured'), 'cannot restore slice from map');
  t.is(decodeTypeError(cm, { data: [] }, 'unstructured'), 'cannot restore map from slice');
  t.is(decodeTypeError(secret, { data: { a: 'hello!' } }, 'unstructured'), 'error decoding from json: illegal base64 data at input byte 5');
  t.is(decodeTypeError(svc, { spec: { ports: [{ port: 80, targetPort: true }] } }, 'unstructured'), 'json: cannot unmarshal bool into Go value of type int32');
});

test('server-side apply: structured-merge-diff\'s words, every error, field paths with list keys', (t) => {
  t.deepEqual(applyTypeErrors(cm, { data: { a: { b: 1 }, c: 'ok', d: 2 } }), [
    '.data.a: expected string, got &value.valueUnstructured{Value:map[string]interface {}{"b":1}}',
    '.data.d: expected string, got &value.valueUnstructured{Value:2}',
  ]);
  t.deepEqual(applyTypeErrors(deploy, { spec: { replicas: '3', paused: 'no' } }), [
    '.spec.paused: expected boolean, got &{no}', '.spec.replicas: expected numeric (int or float), got string',
  ]);
  t.deepEqual(applyTypeErrors(pod, podWith({ ports: [{ containerPort: '80' }] })), ['.spec.containers[name="c"].ports[containerPort="80"].containerPort: expected numeric (int or float), got string']);
  t.deepEqual(applyTypeErrors(pod, { spec: { containers: 'x' }, metadata: { labels: [] } }), ['.metadata.labels: expected map, got &{[]}', '.spec.containers: expected list, got &{x}']);
  t.deepEqual(applyTypeErrors(deploy, { spec: { replicas: 1.5, template: null } }), []);
});

test('goPrint: a decoded value as Go prints a map[string]interface{}', (t) => {
  t.is(goPrint({ data: { b: [1, 'x', null, true], a: 1.5 }, kind: 'ConfigMap' }), 'map[data:map[a:1.5 b:[1 x <nil> true]] kind:ConfigMap]');
});

test('JSON text: number literals as written, document order, every repeated key, the same words as the value walk', (t) => {
  t.is(jsonTextTypeError(deploy, '{"spec":{"replicas":1e3}}'), 'json: cannot unmarshal number 1e3 into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is(jsonTextTypeError(deploy, '{"spec":{"replicas":1.0}}'), 'json: cannot unmarshal number 1.0 into Go struct field DeploymentSpec.spec.replicas of type int32');
  t.is(jsonTextTypeError(deploy, '{"spec":{"replicas":-2147483648}}'), undefined);
  t.is(jsonTextTypeError(pod, '{"spec":{"activeDeadlineSeconds":9223372036854775808}}'),
    'json: cannot unmarshal number 9223372036854775808 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64');
  t.is(jsonTextTypeError(pod, '{"spec":{"activeDeadlineSeconds":9223372036854775807}}'), undefined);
  // JSON.parse puts integer-like keys first and keeps only the last of a repeated key; Go does neither.
  t.is(jsonTextTypeError(cm, '{"data":{"b":{},"1":[]}}'), 'json: cannot unmarshal object into Go struct field ConfigMap.data of type string');
  t.is(jsonTextTypeError(cm, '{"data":{"a":1,"a":"x"}}'), 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  t.is(jsonTextTypeError(pod, '{"spec":{"containers":[{"name":"c","ports":[{"containerPort":"80"}]}]}}'),
    'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
  t.is(jsonTextTypeError(svc, '{"metadata":{"name":1},"spec":{"ports":[{"targetPort":1e2}]}}'),
    'json: cannot unmarshal number 1e2 into Go struct field ServicePort.spec.ports.targetPort of type int32');
  t.is(jsonTextTypeError(pod, '{"spec":{"containers":[{"resources":{"limits":{"cpu":1e3,"memory":"1Gi"}}}]}}'), undefined);
  t.is(jsonTextTypeError(secret, '{"data":{"a":[104,105],"b":[256]}}'), 'json: cannot unmarshal number 256 into Go struct field Secret.data of type uint8');
  t.is(jsonTextTypeError(cm, '{"unknown":{"x":[1,{"y":2}]},"metadata":{"labels":null,"annotations":{"a":null}},"data":{"k":"v"}}'), undefined);
  t.is(jsonTextTypeError(cm, '{"metadata":{"managedFields":[{"fieldsV1":{"f:data":{"x":1}}}]}}'), undefined);
});

test('times: RFC3339 strings as Go\'s time.Parse reads them, its errors word for word; MicroTime wants six fraction digits', async (t) => {
  const { goTimeParseError, RFC3339_MICRO } = await import('../../../src/api/go-time.js');
  for (const ok of ['2024-02-29T23:59:59Z', '2024-01-01T00:00:00.123456789+05:30', '2024-01-01T1:00:00Z', '+999-01-01T00:00:00Z']) t.is(goTimeParseError(ok), undefined, ok);
  t.is(goTimeParseError('garbage'), 'parsing time "garbage" as "2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006"');
  t.is(goTimeParseError(''), 'parsing time "" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006"');
  t.is(goTimeParseError('2024/01/01T00:00:00Z'), 'parsing time "2024/01/01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "/01/01T00:00:00Z" as "-"');
  t.is(goTimeParseError('2024-13-01T00:00:00Z'), 'parsing time "2024-13-01T00:00:00Z": month out of range');
  t.is(goTimeParseError('2023-02-29T00:00:00Z'), 'parsing time "2023-02-29T00:00:00Z": day out of range');
  t.is(goTimeParseError('2024-01-01T24:00:00Z'), 'parsing time "2024-01-01T24:00:00Z": hour out of range');
  t.is(goTimeParseError('2024-01-01T00:00:00'), 'parsing time "2024-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"');
  t.is(goTimeParseError('2024-01-01T00:00:00Zjunk'), 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"');
  t.is(goTimeParseError('2024-01-01T00:00:00.000000Z', RFC3339_MICRO), undefined);
  t.is(goTimeParseError('2024-01-01T00:00:00.000Z', RFC3339_MICRO),
    'parsing time "2024-01-01T00:00:00.000Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".000Z" as ".000000"');
  t.is(decodeTypeError(cm, { metadata: { creationTimestamp: 'yesterday' } }),
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
  t.is(decodeTypeError(pod, { metadata: { name: 5 }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } }),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
});

test('word for word what Go says: metadata errors as the stock kubectl\'s own decoder printed them', (t) => {
  // `kubectl create --dry-run=client --validate=false -f -` decodes ObjectMeta with encoding/json
  // and printed these (kubectl 1.3x); the server-side decode words them the same.
  const cases: [string, string][] = [
    ['{"metadata":{"name":5}}', 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string'],
    ['{"metadata":{"name":"x","labels":{"a":1}}}', 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
    ['{"metadata":{"name":"x","generation":"x"}}', 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64'],
    ['{"metadata":{"name":"x","generation":1.5}}', 'json: cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64'],
    ['{"metadata":{"name":"x","annotations":[]}}', 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations of type map[string]string'],
    ['{"metadata":{"name":"x","ownerReferences":[{"controller":"yes"}]}}', 'json: cannot unmarshal string into Go struct field OwnerReference.metadata.ownerReferences.controller of type bool'],
    ['{"metadata":{"name":"x","creationTimestamp":"2024-13-01T00:00:00Z"}}', 'parsing time "2024-13-01T00:00:00Z": month out of range'],
  ];
  for (const [body, go] of cases) {
    t.is(jsonTextTypeError(cm, body), go, body);
    t.is(decodeTypeError(cm, JSON.parse(body)), go, body);
  }
});

test('word for word what Go says: whole kinds as the stock kubectl\'s typed decoder printed them', (t) => {
  // `kubectl set env --local -f - -o json A=b` decodes the whole object with encoding/json and
  // printed these (kubectl 1.3x). Not here: an enum field's Go type is named (`v1.Protocol`),
  // which the schemas do not tell; skiff says `string`.
  const cases: [string, string | undefined][] = [
    ["{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":\"3\"}}", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"],
    ["{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":1e3}}", "json: cannot unmarshal number 1e3 into Go struct field DeploymentSpec.spec.replicas of type int32"],
    ["{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":1.0}}", "json: cannot unmarshal number 1.0 into Go struct field DeploymentSpec.spec.replicas of type int32"],
    ["{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":3000000000}}", "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":{\"b\":1}}}", "json: cannot unmarshal object into Go struct field ConfigMap.data of type string"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":\"80\"}]}]}}", "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":\"cpu\"}}]}}", "json: cannot unmarshal string into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":\"c\"}}", "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":[]}", "json: cannot unmarshal array into Go struct field Pod.spec of type v1.PodSpec"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":5},\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":{\"cpu\":\"x\"}}}]}}", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"a\",1]}]}}", "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"securityContext\":{\"runAsUser\":\"0\"},\"containers\":null}}", "json: cannot unmarshal string into Go struct field PodSecurityContext.spec.securityContext.runAsUser of type int64"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"livenessProbe\":{\"httpGet\":{\"port\":1.5}}}]}}", "json: cannot unmarshal number 1.5 into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":[104,256]}}", "json: cannot unmarshal number 256 into Go struct field Secret.data of type uint8"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":null,\"ports\":null,\"resources\":{\"limits\":{\"cpu\":null}}}],\"hostNetwork\":null,\"nodeSelector\":null}}", undefined],
    ["{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"overhead\":{\"cpu\":\"1\"},\"activeDeadlineSeconds\":9223372036854775808}}", "json: cannot unmarshal number 9223372036854775808 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64"],
    ["{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"binaryData\":{\"a\":\"YQ=\"}}", "illegal base64 data at input byte 3"],
  ];
  for (const [body, go] of cases) {
    const o = JSON.parse(body);
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    t.is(jsonTextTypeError({ group, version, kind: o.kind }, body), go, body);
  }
});
