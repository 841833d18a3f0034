// The protobuf codec: objects encoded through our own encoder decode to the same JSON, the
// apimachinery types take their JSON forms, presence decides what is written, bad bytes are 400.
import test from 'ava';
import { decodeProtobufObject, encodeProtobufObject } from '../../../src/apiserver/protobuf/codec.js';
import { decodeBody } from '../../../src/apiserver/http/negotiate.js';
import { ApiError } from '../../../src/apiserver/status.js';

const PB = 'application/vnd.kubernetes.protobuf';

const roundTrip = (obj: Record<string, unknown>) => decodeProtobufObject(encodeProtobufObject(obj));

test('a Deployment survives encode then decode: IntOrString, Quantity, replicas 0, nested templates', (t) => {
  const deploy = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'pb-codec', labels: { app: 'web' }, creationTimestamp: '2024-05-06T07:08:09Z' },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '500m', memory: '64Mi' } } }] },
      },
    },
    status: {},
  };
  t.deepEqual(roundTrip(deploy), deploy);
});

test('Secret data is base64 both ways, ConfigMap binaryData too', (t) => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { password: Buffer.from('hunter2\u0000\u00ff').toString('base64') } };
  t.deepEqual(roundTrip(secret), secret);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, binaryData: { bin: Buffer.from([1, 2, 3]).toString('base64') } };
  t.deepEqual(roundTrip(cm), cm);
});

test('MicroTime keeps microseconds; Time whole seconds', (t) => {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', creationTimestamp: '2024-01-02T03:04:05Z' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-02T03:04:05.123456Z' } };
  t.deepEqual(roundTrip(lease), lease);
});

test('RawExtension and FieldsV1 carry their JSON (ControllerRevision data, managedFields)', (t) => {
  const rev = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 3, data: { spec: { template: { x: [1, 'two'] } } },
    metadata: { name: 'r', managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} }, time: '2024-01-02T03:04:05Z' }] },
  };
  t.deepEqual(roundTrip(rev), rev);
});

test('RBAC, PDB (IntOrString percent), Job with backoffLimit 0 and CronJob', (t) => {
  for (const obj of [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'n' }, spec: { minAvailable: '50%', selector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] } }, status: { currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2 } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { backoffLimit: 0, template: { metadata: {}, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i', command: ['sh', '-c', 'true'] }] } } }, status: {} },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: {}, spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'i' }] } } } } }, status: {} },
  ]) t.deepEqual(roundTrip(obj), obj, obj.kind);
});

test('zeros of plain Go fields are left out, as JSON omitempty would; pointer zeros stay', (t) => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: '', resourceVersion: '', generation: 0 }, spec: { nodeName: '', hostNetwork: false, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'i', tty: false }] } };
  t.deepEqual(roundTrip(pod), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'i' }] } });
});

test('decodeBody takes the protobuf media type', (t) => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb-ns' }, spec: {}, status: {} };
  t.deepEqual(decodeBody(`${PB}`, encodeProtobufObject(ns)), ns);
});

test('bad bodies are Status errors: no magic 400, truncated 400, unknown kind 415', (t) => {
  const status = (fn: () => unknown) => { const e = t.throws(fn, { instanceOf: ApiError }) as ApiError; return e.code; };
  t.is(status(() => decodeBody(PB, Buffer.from('{"kind":"Namespace"}'))), 400);
  const good = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b'.repeat(100) } });
  t.is(status(() => decodeBody(PB, good.subarray(0, good.length - 20))), 400);
  const other = Buffer.from(encodeProtobufObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }).toString('latin1').replace('Namespace', 'Nopespace'), 'latin1');
  t.is(status(() => decodeBody(PB, other)), 415);
  t.is(status(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' })), 406);
});

test('fields Go inlines sit in the parent JSON object: an IngressRule\'s http, a Volume\'s source, a probe\'s action, a reference\'s name', (t) => {
  const ing = {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' },
    spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    status: { loadBalancer: {} },
  };
  t.deepEqual(roundTrip(ing), ing);
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'busybox', livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 }, env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }], volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory' } }, { name: 'cfg', configMap: { name: 'c' } }] },
    status: {},
  };
  t.deepEqual(roundTrip(pod), pod);
});
