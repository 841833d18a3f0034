// Values of the wrong JSON type, sent with the stock kubectl against the built `skiff server`:
// each must be refused as kube-apiserver refuses it (decoding into the kind's Go struct), and
// printed by kubectl as it prints upstream's answer. Before, a merge patch setting a ConfigMap
// value to a map answered 200 and stored it. Run `node scripts/build.mjs` first.
import anyTest, { type TestFn } from 'ava';
import { startLab, unique, type Lab } from './attacker.js';

const test = anyTest as TestFn<{ lab: Lab }>;

test.before(async (t) => {
  t.context.lab = await startLab([]);
});
test.after.always(async (t) => {
  await t.context.lab?.stop();
});

test('patches that give a ConfigMap value an object: 422 on "patch" for merge and strategic, nothing stored', async (t) => {
  const { admin } = t.context.lab;
  const name = unique('cm');
  t.is((await admin(['create', 'configmap', name, '--from-literal=k=v'])).code, 0);
  const merge = await admin(['patch', 'cm', name, '--type', 'merge', '-p', '{"data":{"a":{"b":1}}}']);
  t.not(merge.code, 0);
  t.regex(merge.stderr, /^The request is invalid: patch: Invalid value: "\{.*\}": json: cannot unmarshal object into Go struct field ConfigMap\.data of type string\n$/s);
  const strategic = await admin(['patch', 'cm', name, '-p', '{"data":{"a":{"b":1}}}']);
  t.not(strategic.code, 0);
  t.is(strategic.stderr, 'The request is invalid: patch: Invalid value: "map[data:map[a:map[b:1]]]": unrecognized type: string\n');
  const json = await admin(['patch', 'cm', name, '--type', 'json', '-p', '[{"op":"add","path":"/data/n","value":5}]']);
  t.regex(json.stderr, /json: cannot unmarshal number into Go struct field ConfigMap\.data of type string\n$/);
  const got = await admin(['get', 'cm', name, '-o', 'jsonpath={.data}']);
  t.is(got.stdout, '{"k":"v"}');
});

test('create with a string replica count or container port: upstream\'s 400, as kubectl prints it', async (t) => {
  const { admin } = t.context.lab;
  const deploy = unique('d');
  const created = await admin(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deploy, namespace: 'default' },
    spec: { replicas: '3', selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  }));
  t.not(created.code, 0);
  t.regex(created.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
  const pod = unique('p');
  const podRun = await admin(['create', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: ${pod}, namespace: default}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    ports: [{containerPort: "80"}]\n`);
  t.not(podRun.code, 0);
  t.regex(podRun.stderr, /Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort\.spec\.containers\.ports\.containerPort of type int32/);
  t.not((await admin(['get', 'deployment', deploy])).code, 0);
  t.not((await admin(['get', 'pod', pod])).code, 0);
});

test('server-side apply of a number where a string is: structured-merge-diff\'s error', async (t) => {
  const { admin } = t.context.lab;
  const name = unique('cm');
  const r = await admin(['apply', '--server-side', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: default}\ndata:\n  count: 5\n`);
  t.not(r.code, 0);
  t.regex(r.stderr, /failed to create typed patch object \(.*\): \.data\.count: expected string, got &value\.valueUnstructured\{Value:5\}/);
});

test('an unparsable time (it would break every typed client listing the kind): refused in time.Parse\'s words', async (t) => {
  const { admin } = t.context.lab;
  const name = unique('cm');
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, creationTimestamp: 'yesterday' } });
  // kubectl's own decoder refuses it in the same words before sending; a raw body reaches the server.
  const local = await admin(['create', '-f', '-'], body);
  t.regex(local.stderr, /^error: unable to decode "STDIN": parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"/);
  const r = await admin(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', '-'], body);
  t.not(r.code, 0);
  t.regex(r.stderr, /^Error from server \(BadRequest\): .*ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"/);
  t.not((await admin(['get', 'cm', name])).code, 0);
});
