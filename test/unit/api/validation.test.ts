import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import * as build from '../../helpers/builders.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const SVC = { group: '', version: 'v1', kind: 'Service' };
const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };

const pod = (spec: object, name = 'web') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
const fields = (causes: { field?: string }[]) => causes.map((c) => c.field);

test('a defaulted valid pod, service and deployment have no causes', (t) => {
  const p = build.pod('web').withContainers({ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: '128Mi' } } });
  defaultObject(POD, p);
  t.deepEqual(validateObject(POD, p), []);
  const s: any = { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
  defaultObject(SVC, s);
  t.deepEqual(validateObject(SVC, s), []);
  const d: any = { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
  defaultObject(DEPLOY, d);
  t.deepEqual(validateObject(DEPLOY, d), []);
});

test('names follow the per-kind DNS rules, with upstream messages', (t) => {
  const [cause] = validateObject(POD, build.pod('Bad_Name').withContainers({ name: 'c', image: 'x' }));
  t.is(cause!.field, 'metadata.name');
  t.is(cause!.reason, 'FieldValueInvalid');
  t.true(cause!.message.startsWith('Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of'));
  t.regex(validateObject(SVC, { metadata: { name: '1web' }, spec: { ports: [{ port: 80 }] } })[0]!.message, /a DNS-1035 label must consist/);
  t.regex(validateObject({ group: '', version: 'v1', kind: 'Namespace' }, { metadata: { name: 'a.b' } })[0]!.message, /RFC 1123 label/);
  t.deepEqual(fields(validateObject(POD, { metadata: {}, spec: { containers: [{ name: 'c', image: 'x' }] } })), ['metadata.name']);
  t.deepEqual(validateObject(POD, { metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'c', image: 'x' }] } }), []);
});

test('required pod fields, enums, ports and quantities are reported at upstream paths', (t) => {
  t.deepEqual(validateObject(POD, pod({})), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
  const causes = validateObject(POD, pod({
    restartPolicy: 'Sometimes',
    containers: [
      { name: 'c', ports: [{ containerPort: 70000, protocol: 'HTTP' }], resources: { requests: { cpu: 'lots', memory: '2Gi' }, limits: { memory: '1Gi' } } },
      { name: 'c', image: 'x' },
    ],
  }));
  t.deepEqual(fields(causes).sort(), [
    'spec.containers[0].image', 'spec.containers[0].ports[0].containerPort', 'spec.containers[0].ports[0].protocol',
    'spec.containers[0].resources.requests[cpu]', 'spec.containers[0].resources.requests[memory]', 'spec.containers[1].name', 'spec.restartPolicy',
  ].sort());
  t.true(causes.some((c) => c.message === 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'));
  t.true(causes.some((c) => c.message === 'Invalid value: 70000: must be between 1 and 65535, inclusive'));
  t.true(causes.some((c) => c.message === 'Duplicate value: "c"'));
});

test('labels and annotations keys and values are checked', (t) => {
  const causes = validateObject(POD, { metadata: { name: 'p', labels: { 'bad key!': 'v', ok: 'bad value!' }, annotations: { 'example.com/ok': 'any text at all' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  t.deepEqual(fields(causes), ['metadata.labels', 'metadata.labels']);
});

test('a service needs ports unless headless or ExternalName; its clusterIP is immutable', (t) => {
  t.deepEqual(fields(validateObject(SVC, { metadata: { name: 's' }, spec: {} })), ['spec.ports']);
  t.deepEqual(validateObject(SVC, { metadata: { name: 's' }, spec: { clusterIP: 'None', selector: { a: 'b' } } }), []);
  t.deepEqual(fields(validateObject(SVC, { metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 81 }] } })), ['spec.ports[0].name', 'spec.ports[1].name']);
  // Port names are DNS-1123 labels: kubectl create service names them '80-8080'.
  t.deepEqual(validateObject(SVC, { metadata: { name: 's' }, spec: { ports: [{ name: '80-8080', port: 80 }] } }), []);
  t.deepEqual(fields(validateObject(SVC, { metadata: { name: 's' }, spec: { ports: [{ name: 'Web', port: 80 }] } })), ['spec.ports[0].name']);
  const causes = validateObject(SVC, build.service('s', '10.96.0.11:80'), build.service('s', '10.96.0.10:80'));
  t.deepEqual(causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "10.96.0.11": field is immutable', field: 'spec.clusterIP' }]);
});

test('a deployment selector must match its template and is immutable; its pods must restart Always', (t) => {
  const d = (sel: object, labels: object, restartPolicy = 'Always') => ({ metadata: { name: 'd' }, spec: { selector: { matchLabels: sel }, template: { metadata: { labels }, spec: { restartPolicy, containers: [{ name: 'c', image: 'x' }] } } } });
  t.deepEqual(fields(validateObject(DEPLOY, d({ app: 'a' }, { app: 'b' }))), ['spec.template.metadata.labels']);
  t.deepEqual(fields(validateObject(DEPLOY, d({ app: 'a' }, { app: 'a' }, 'Never'))), ['spec.template.spec.restartPolicy']);
  t.deepEqual(fields(validateObject(DEPLOY, d({ app: 'b' }, { app: 'b' }), d({ app: 'a' }, { app: 'a' }))), ['spec.selector']);
  t.deepEqual(validateObject(DEPLOY, d({ app: 'a' }, { app: 'a', v: '2' }), d({ app: 'a' }, { app: 'a' })), []);
});

test('pod updates may change only images and a few fields', (t) => {
  const running = (name = 'web') => build.pod(name).withContainers({ name: 'c', image: 'x:1' }).withSpec({ restartPolicy: 'Always' });
  const old = running();
  t.deepEqual(validateObject(POD, old.withSpec({ containers: [{ name: 'c', image: 'x:2' }] }), old), []);
  const causes = validateObject(POD, old.withSpec({ restartPolicy: 'Never' }), old);
  t.is(causes[0]!.field, 'spec');
  t.is(causes[0]!.reason, 'FieldValueForbidden');
  t.deepEqual(fields(validateObject(POD, running('other'), old)), ['metadata.name']);
});

test('jobs must not restart Always and configmap keys are checked', (t) => {
  const job = { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'x' }] } } } };
  t.deepEqual(fields(validateObject({ group: 'batch', version: 'v1', kind: 'Job' }, job)), ['spec.template.spec.restartPolicy']);
  t.deepEqual(fields(validateObject({ group: '', version: 'v1', kind: 'ConfigMap' }, { metadata: { name: 'c' }, data: { 'ok.key': '1', 'bad/key': '2' } })), ['data']);
});
