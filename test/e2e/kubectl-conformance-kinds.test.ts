// Issue 11, what upstream's conformance suite needs from the apiserver, with the stock kubectl
// against `skiff server` (SQLite; run `node scripts/build.mjs` first): the five new kinds, CSR
// approval, one Event through both Event APIs, LimitRange defaults and the pod's QoS class.
import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { kubectl, removeDir, startServer, type RunningServer } from './skiff-server.js';

let server: RunningServer;
const id = randomBytes(3).toString('hex');
const ns = `conf-${id}`;

test.before(async () => { server = await startServer(); });
test.after.always(async () => { if (server) { await server.stop(); await removeDir(server.dir); } });

const run = (args: string[], stdin?: string) => kubectl(server.kubeconfig, args, stdin);
const json = async (args: string[]) => {
  const r = await run(['get', '-o', 'json', ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

/** An ECDSA P-256 PKCS#10 request from openssl (the key is thrown away). */
const ecCsr = () => new Promise<string>((resolve, reject) => {
  execFile('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=jane/O=devs'],
    (err, stdout) => (err ? reject(err) : resolve(stdout)));
});

test.serial('namespace', async (t) => {
  const r = await run(['create', 'namespace', ns]);
  t.is(r.code, 0, r.stderr);
});

test.serial('kubectl get rc,podtemplates,runtimeclasses,csr,priorityclasses; each created', async (t) => {
  const rc = `apiVersion: v1\nkind: ReplicationController\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  replicas: 0\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: busybox}]}\n`;
  const pt = `apiVersion: v1\nkind: PodTemplate\nmetadata: {name: tmpl, namespace: ${ns}}\ntemplate:\n  metadata: {labels: {app: web}}\n  spec: {containers: [{name: c, image: busybox}]}\n`;
  const rtc = `apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: rt-${id}}\nhandler: runc\n`;
  for (const doc of [rc, pt, rtc]) {
    const r = await run(['create', '-f', '-'], doc);
    t.is(r.code, 0, r.stderr);
  }
  // A generator: its body is protobuf.
  const pc = await run(['create', 'priorityclass', `pc-${id}`, '--value=1000', '--description=e2e']);
  t.is(pc.code, 0, pc.stderr);
  const scaled = await run(['-n', ns, 'scale', 'rc/web', '--replicas=2']);
  t.is(scaled.code, 0, scaled.stderr);
  t.is((await json(['-n', ns, 'rc', 'web'])).spec.replicas, 2);
  const got = await run(['-n', ns, 'get', 'rc,podtemplates,runtimeclasses,csr,priorityclasses']);
  t.is(got.code, 0, got.stderr);
  t.regex(got.stdout, /replicationcontroller\/web\s+2\s+0\s+0/);
  t.regex(got.stdout, /podtemplate\/tmpl\s+c\s+busybox\s+app=web/);
  t.regex(got.stdout, new RegExp(`runtimeclass.node.k8s.io/rt-${id}\\s+runc`));
  t.regex(got.stdout, /priorityclass.scheduling.k8s.io\/system-node-critical\s+2000001000\s+false/);
  t.regex(got.stdout, new RegExp(`priorityclass.scheduling.k8s.io/pc-${id}\\s+1000\\s+false\\s+\\S+\\s+PreemptLowerPriority`));
});

test.serial('kubectl certificate approve an ECDSA CSR', async (t) => {
  const pem = await ecCsr();
  const name = `csr-${id}`;
  const doc = `apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: ${name}}\nspec:\n  request: ${Buffer.from(pem).toString('base64')}\n  signerName: kubernetes.io/kube-apiserver-client\n  usages: [client auth]\n  expirationSeconds: 86400\n`;
  const created = await run(['create', '-f', '-'], doc);
  t.is(created.code, 0, created.stderr);
  const pending = await run(['get', 'csr', name]);
  t.regex(pending.stdout, new RegExp(`${name}\\s+\\S+\\s+kubernetes.io/kube-apiserver-client\\s+admin\\s+24h\\s+Pending`));
  const approved = await run(['certificate', 'approve', name]);
  t.is(approved.code, 0, approved.stderr);
  t.regex(approved.stdout, /approved/);
  const conds = (await json(['csr', name])).status.conditions;
  t.like(conds[0], { type: 'Approved', status: 'True', reason: 'KubectlApprove' });
  const shown = await run(['get', 'csr', name]);
  t.regex(shown.stdout, new RegExp(`${name}\\s+\\S+\\s+kubernetes.io/kube-apiserver-client\\s+admin\\s+24h\\s+Approved\\n`));
});

test.serial('an Event created via events.k8s.io is seen via core/v1, and the other way round', async (t) => {
  const viaNew = `apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: new-${id}, namespace: ${ns}}\neventTime: "2026-01-01T00:00:00.000000Z"\nreportingController: skiff.io/e2e\nreportingInstance: e2e\naction: Test\nreason: Tested\nregarding: {kind: Pod, name: web, namespace: ${ns}}\nnote: from events.k8s.io\ntype: Normal\n`;
  const viaCore = `apiVersion: v1\nkind: Event\nmetadata: {name: core-${id}, namespace: ${ns}}\ninvolvedObject: {kind: Pod, name: web, namespace: ${ns}}\nreason: Tested\nmessage: from core\ntype: Warning\ncount: 2\n`;
  for (const doc of [viaNew, viaCore]) {
    const r = await run(['create', '-f', '-'], doc);
    t.is(r.code, 0, r.stderr);
  }
  const asCore = await json(['-n', ns, 'events', `new-${id}`]);
  t.like(asCore, { apiVersion: 'v1', message: 'from events.k8s.io', reportingComponent: 'skiff.io/e2e', involvedObject: { name: 'web' } });
  const asNew = await json(['-n', ns, 'events.events.k8s.io', `core-${id}`]);
  t.like(asNew, { apiVersion: 'events.k8s.io/v1', note: 'from core', deprecatedCount: 2, regarding: { name: 'web' } });
  const listed = await run(['-n', ns, 'get', 'events.events.k8s.io']);
  t.regex(listed.stdout, /from core/);
  t.regex(listed.stdout, /from events.k8s.io/);
});

test.serial('a LimitRange default is applied to a pod, which carries its qosClass', async (t) => {
  const lr = `apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: ${ns}}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 200m, memory: 64Mi}\n    max: {cpu: "1"}\n`;
  t.is((await run(['create', '-f', '-'], lr)).code, 0);
  const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ${ns}}\nspec: {containers: [{name: c, image: busybox}]}\n`;
  const created = await run(['create', '-f', '-'], pod);
  t.is(created.code, 0, created.stderr);
  const got = await json(['-n', ns, 'pod', 'p']);
  t.deepEqual(got.spec.containers[0].resources, { limits: { cpu: '200m', memory: '64Mi' }, requests: { cpu: '200m', memory: '64Mi' } });
  t.is(got.status.qosClass, 'Guaranteed');
  const tooBig = `apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: ${ns}}\nspec: {containers: [{name: c, image: busybox, resources: {limits: {cpu: "2"}}}]}\n`;
  const refused = await run(['create', '-f', '-'], tooBig);
  t.not(refused.code, 0);
  t.regex(refused.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
});
