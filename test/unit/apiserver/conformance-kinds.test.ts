// The kinds upstream's conformance suite needs first (issue 11): ReplicationController,
// PodTemplate, RuntimeClass, CertificateSigningRequest, PriorityClass, served with their
// defaults, validation, subresources, tables and discovery.
import { generateKeyPairSync } from 'node:crypto';
import test from 'ava';
import forge from 'node-forge';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { toTable } from '../../../src/api/table.js';
import { systemClock } from '../../../src/host/clock.js';
import { findResource } from '../../../src/api/resources.js';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { startAuthFixture, startFixture, testPki, until, type Fixture } from './fixture.js';

const hooks = { applyPatch, serverSideApply, updateManagedFields, defaultObject, validateObject, toTable: (gvk: any, objs: object[], inc: any) => toTable(gvk, objs, inc, systemClock.now()) };
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };

function csrPem(cn = 'jane', org?: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const req = forge.pki.createCertificationRequest();
  req.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  req.setSubject([{ name: 'commonName', value: cn }, ...(org ? [{ name: 'organizationName', value: org }] : [])]);
  req.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(req);
}
const csr = (name: string, pem: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...extra },
});

test('discovery, legacy and aggregated, lists the five kinds with their subresources', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const core = await call('GET', '/api/v1');
  const names = core.json.resources.map((r: any) => r.name);
  for (const n of ['replicationcontrollers', 'replicationcontrollers/status', 'replicationcontrollers/scale', 'podtemplates']) t.true(names.includes(n), n);
  const certs = await call('GET', '/apis/certificates.k8s.io/v1');
  t.deepEqual(certs.json.resources.map((r: any) => r.name), ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status']);
  t.deepEqual(certs.json.resources[0].shortNames, ['csr']);
  const agg = await call('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  const groups = agg.json.items.map((g: any) => g.metadata.name);
  for (const g of ['node.k8s.io', 'certificates.k8s.io', 'scheduling.k8s.io']) t.true(groups.includes(g), g);
  const sched = agg.json.items.find((g: any) => g.metadata.name === 'scheduling.k8s.io');
  t.like(sched.versions[0].resources[0], { resource: 'priorityclasses', scope: 'Cluster', shortNames: ['pc'] });
});

test('ReplicationController: selector and labels default from the template, generation, scale, table', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
  const made = await call('POST', '/api/v1/namespaces/default/replicationcontrollers', rc);
  t.is(made.status, 201, made.text);
  t.deepEqual(made.json.spec.selector, { app: 'web' });
  t.deepEqual(made.json.metadata.labels, { app: 'web' });
  t.is(made.json.metadata.generation, 1);
  t.is(made.json.spec.template.spec.restartPolicy, 'Always');
  const scale = await call('GET', '/api/v1/namespaces/default/replicationcontrollers/web/scale');
  t.like(scale.json, { kind: 'Scale', spec: { replicas: 2 }, status: { selector: 'app=web' } });
  const scaled = await call('PUT', '/api/v1/namespaces/default/replicationcontrollers/web/scale', { ...scale.json, spec: { replicas: 3 } });
  t.is(scaled.status, 200, scaled.text);
  const got = await call('GET', '/api/v1/namespaces/default/replicationcontrollers/web');
  t.is(got.json.spec.replicas, 3);
  t.is(got.json.metadata.generation, 2);
  const table = await call('GET', '/api/v1/namespaces/default/replicationcontrollers', undefined, TABLE);
  t.deepEqual(table.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
  t.deepEqual(table.json.rows[0].cells.filter((_: unknown, i: number) => i !== 4), ['web', 3, 0, 0, 'c', 'nginx', 'app=web']);
  // Conditions merge by type under a strategic patch (the OpenAPI patch metadata).
  const SMP = { 'Content-Type': 'application/strategic-merge-patch+json' };
  for (const type of ['A', 'B']) {
    const p = await call('PATCH', '/api/v1/namespaces/default/replicationcontrollers/web/status', { status: { conditions: [{ type, status: 'True' }] } }, SMP);
    t.is(p.status, 200, p.text);
  }
  const withConditions = await call('GET', '/api/v1/namespaces/default/replicationcontrollers/web');
  t.deepEqual(withConditions.json.status.conditions.map((c: any) => c.type), ['A', 'B']);
  const status = await call('PUT', '/api/v1/namespaces/default/replicationcontrollers/web/status', { ...withConditions.json, status: { replicas: 1, readyReplicas: 2 } });
  t.is(status.status, 422);
  t.is(status.json.details.causes[0].message, 'Invalid value: 2: cannot be greater than status.replicas');
  const mismatch = await call('POST', '/api/v1/namespaces/default/replicationcontrollers', { ...rc, metadata: { name: 'bad' }, spec: { ...rc.spec, selector: { app: 'other' } } });
  t.is(mismatch.status, 422);
  t.is(mismatch.json.details.causes[0].message, 'Invalid value: {"app":"web"}: `selector` does not match template `labels`');
  const never = await call('POST', '/api/v1/namespaces/default/replicationcontrollers', { ...rc, metadata: { name: 'never' }, spec: { template: { ...rc.spec.template, spec: { ...rc.spec.template.spec, restartPolicy: 'Never' } } } });
  t.is(never.status, 422);
  t.is(never.json.details.causes[0].field, 'spec.template.spec.restartPolicy');
});

test('PodTemplate and RuntimeClass: created, validated, printed as kubectl shows them', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const pt = await call('POST', '/api/v1/namespaces/default/podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt' },
    template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  t.is(pt.status, 201, pt.text);
  t.is(pt.json.template.spec.dnsPolicy, 'ClusterFirst');
  const ptTable = await call('GET', '/api/v1/namespaces/default/podtemplates', undefined, TABLE);
  t.deepEqual(ptTable.json.rows[0].cells, ['pt', 'c', 'busybox', 'a=1,b=2']);
  const noSpec = await call('POST', '/api/v1/namespaces/default/podtemplates', { metadata: { name: 'x' }, template: { spec: { containers: [] } } });
  t.is(noSpec.status, 422);
  const rc = await call('POST', '/apis/node.k8s.io/v1/runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' });
  t.is(rc.status, 201, rc.text);
  const rcTable = await call('GET', '/apis/node.k8s.io/v1/runtimeclasses', undefined, TABLE);
  t.deepEqual(rcTable.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Handler', 'Age']);
  t.deepEqual(rcTable.json.rows[0].cells.slice(0, 2), ['gvisor', 'runsc']);
  const changed = await call('PUT', '/apis/node.k8s.io/v1/runtimeclasses/gvisor', { ...rc.json, handler: 'kata' });
  t.is(changed.status, 422);
  t.is(changed.json.details.causes[0].message, 'Invalid value: "kata": field is immutable');
  const bad = await call('POST', '/apis/node.k8s.io/v1/runtimeclasses', { metadata: { name: 'b' }, handler: 'Not_A_Label' });
  t.is(bad.status, 422);
  t.is(bad.json.details.causes[0].field, 'handler');
});

test('PriorityClass: the system classes exist and stay; values are immutable; one globalDefault; reserved prefix', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const list = await call('GET', '/apis/scheduling.k8s.io/v1/priorityclasses');
  t.deepEqual(list.json.items.map((p: any) => [p.metadata.name, p.value, p.preemptionPolicy]),
    [['system-cluster-critical', 2000000000, 'PreemptLowerPriority'], ['system-node-critical', 2000001000, 'PreemptLowerPriority']]);
  const del = await call('DELETE', '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical');
  t.is(del.status, 403);
  t.is(del.json.message, 'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  const pc = (name: string, value: number, globalDefault = false) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault });
  const high = await call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc('high', 1000, true));
  t.is(high.status, 201, high.text);
  const second = await call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc('other', 5, true));
  t.is(second.status, 403);
  t.is(second.json.message, 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass high is already marked as default. Only one default can exist');
  const bump = await call('PUT', '/apis/scheduling.k8s.io/v1/priorityclasses/high', { ...high.json, value: 2000 });
  t.is(bump.status, 422);
  t.is(bump.json.details.causes[0].message, 'Forbidden: may not be changed in an update.');
  const reserved = await call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc('system-mine', 10));
  t.is(reserved.status, 422);
  t.is(reserved.json.details.causes[0].message, "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class");
  const tooHigh = await call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc('huge', 1_000_000_001));
  t.is(tooHigh.status, 422);
  t.is(tooHigh.json.details.causes[0].message, 'Forbidden: maximum allowed value of a user defined priority is 1000000000');
  // Pods take the value of their class, and the globalDefault one when they name none.
  const named = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'a' }, spec: { priorityClassName: 'system-node-critical', containers: [{ name: 'c', image: 'x' }] } });
  t.is(named.json.spec.priority, 2000001000, named.text);
  const dflt = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  t.is(dflt.json.spec.priority, 1000, dflt.text);
  t.is(dflt.json.spec.priorityClassName, 'high');
  const missing = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'c' }, spec: { priorityClassName: 'nope', containers: [{ name: 'c', image: 'x' }] } });
  t.is(missing.status, 403);
  t.is(missing.json.message, 'pods "c" is forbidden: no PriorityClass with name nope was found');
  const table = await call('GET', '/apis/scheduling.k8s.io/v1/priorityclasses/high', undefined, TABLE);
  t.deepEqual(table.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
});

test('CertificateSigningRequest: requestor from the caller, approval subresource, exclusive conditions, immutable spec', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const base = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const made = await call('POST', base, { ...csr('jane', csrPem()), spec: { ...csr('jane', csrPem()).spec, username: 'forged', groups: ['system:masters'] }, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  t.is(made.status, 201, made.text);
  t.is(made.json.spec.username, 'admin');
  t.true(made.json.spec.groups.includes('system:masters'));
  t.true(made.json.spec.groups.includes('system:authenticated'));
  t.deepEqual(made.json.status, {});
  const table = await call('GET', base, undefined, TABLE);
  t.deepEqual(table.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
  t.deepEqual(table.json.rows[0].cells.filter((_: unknown, i: number) => i !== 1), ['jane', 'kubernetes.io/kube-apiserver-client', 'admin', '<none>', 'Pending']);
  // A plain update changes neither spec nor conditions; /status keeps the conditions too.
  const plain = await call('PUT', `${base}/jane`, { ...made.json, spec: { ...made.json.spec, usages: ['server auth'] }, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  t.is(plain.status, 200, plain.text);
  t.deepEqual(plain.json.spec.usages, ['client auth']);
  t.is(plain.json.status.conditions, undefined);
  const viaStatus = await call('PUT', `${base}/jane/status`, { ...plain.json, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  t.is(viaStatus.json.status.conditions, undefined);
  // What `kubectl certificate approve` sends.
  const approved = await call('PUT', `${base}/jane/approval`, { ...viaStatus.json, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok' }] } });
  t.is(approved.status, 200, approved.text);
  t.is(approved.json.status.conditions[0].type, 'Approved');
  const both = await call('PUT', `${base}/jane/approval`, { ...approved.json, status: { conditions: [...approved.json.status.conditions, { type: 'Denied', status: 'True' }] } });
  t.is(both.status, 422);
  t.is(both.json.details.causes[0].message, 'Invalid value: "Denied": Approved and Denied conditions are mutually exclusive');
  const removed = await call('PUT', `${base}/jane/approval`, { ...approved.json, status: { conditions: [] } });
  t.is(removed.status, 422);
  t.is(removed.json.details.causes[0].message, 'Forbidden: updates may not remove a condition of type "Approved"');
  // The signer's part: a certificate through /status, once.
  const cert = Buffer.from(testPki().ca.cert).toString('base64');
  const issued = await call('PUT', `${base}/jane/status`, { ...approved.json, status: { ...approved.json.status, certificate: cert } });
  t.is(issued.status, 200, issued.text);
  t.deepEqual(issued.json.status.conditions, approved.json.status.conditions);
  const shown = await call('GET', `${base}/jane`, undefined, TABLE);
  t.is(shown.json.rows[0].cells[5], 'Approved,Issued');
  const again = await call('PUT', `${base}/jane/status`, { ...issued.json, status: { ...issued.json.status, certificate: Buffer.from(testPki().serving.cert).toString('base64') } });
  t.is(again.status, 422);
  t.is(again.json.details.causes[0].message, 'Forbidden: updates may not modify existing certificate content');
  const notPem = await call('PUT', `${base}/jane/status`, { ...issued.json, status: { ...issued.json.status, certificate: Buffer.from('junk').toString('base64') } });
  t.is(notPem.status, 422);
  t.is(notPem.json.details.causes[0].message, 'Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block');
});

test('CertificateSigningRequest: created by server-side apply it records the requestor too; the server\'s own has none', async (t) => {
  const { call, server } = await startFixture(t, { hooks });
  const base = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const applied = await call('PATCH', `${base}/sso?fieldManager=me`, JSON.stringify({ ...csr('sso', csrPem()), spec: { ...csr('sso', csrPem()).spec, username: 'forged' } }),
    { 'Content-Type': 'application/apply-patch+yaml' });
  t.is(applied.status, 201, applied.text);
  t.is(applied.json.spec.username, 'admin');
  t.true(applied.json.spec.groups.includes('system:masters'));
  const own: any = await server.registry.create(findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!, '', { ...csr('own', csrPem()), spec: { ...csr('own', csrPem()).spec, username: 'forged' } });
  t.is(own.spec.username, undefined);
});

test('CertificateSigningRequest validation: signature, PEM type, signerName, usages', async (t) => {
  const { call } = await startFixture(t, { hooks });
  const base = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const pem = csrPem();
  // One byte of the signed info changed: the self-signature no longer verifies.
  const der = Buffer.from(pem.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64');
  der[40] = der[40]! ^ 1;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  const bad = await call('POST', base, csr('t', tampered));
  t.is(bad.status, 422);
  t.regex(bad.json.details.causes[0].message, /crypto\/rsa: verification error|x509: malformed/);
  const notCsr = await call('POST', base, csr('k', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
  t.is(notCsr.json.details.causes[0].message.endsWith('PEM block type must be CERTIFICATE REQUEST'), true, notCsr.text);
  const noSigner = await call('POST', base, csr('s', pem, { signerName: '' }));
  t.deepEqual(noSigner.json.details.causes.map((c: any) => [c.field, c.message]), [['spec.signerName', 'Required value']]);
  const badSigner = await call('POST', base, csr('s', pem, { signerName: 'nodomain' }));
  t.is(badSigner.json.details.causes[0].message, `Invalid value: "nodomain": must be a fully qualified domain and path of the form 'example.com/signer-name'`);
  const usages = await call('POST', base, csr('u', pem, { usages: ['client auth', 'flying'] }));
  t.is(usages.json.details.causes[0].field, 'spec.usages[1]');
  const none = await call('POST', base, csr('n', pem, { usages: [] }));
  t.is(none.json.details.causes[0].field, 'spec.usages');
  const ok = await call('POST', base, csr('ok', pem, { expirationSeconds: 3600 }));
  t.is(ok.status, 201, ok.text);
  // CertificateSubjectRestriction: no system:masters certificates from the client signer.
  const masters = await call('POST', base, csr('m', csrPem('eve', 'system:masters')));
  t.is(masters.status, 403);
  t.is(masters.json.message, 'certificatesigningrequests.certificates.k8s.io "m" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  const devs = await call('POST', base, csr('d', csrPem('eve', 'devs')));
  t.is(devs.status, 201, devs.text);
  const bySigner = await call('GET', `${base}?fieldSelector=spec.signerName=kubernetes.io/kube-apiserver-client`);
  t.deepEqual(bySigner.json.items.map((c: any) => c.metadata.name).sort(), ['d', 'ok']);
});

async function grant(f: Fixture, name: string, rules: object[]): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  for (const [path, body] of [
    [`${rbac}/clusterroles`, { metadata: { name }, rules }],
    [`${rbac}/clusterrolebindings`, { metadata: { name }, roleRef: { kind: 'ClusterRole', name }, subjects: [{ kind: 'User', name: 'alice' }] }],
  ] as const) {
    const r = await f.call('POST', path, body);
    if (r.status !== 201) throw new Error(r.text);
  }
}

test('CertificateApproval and CertificateSigning: approving takes approve on the signer, issuing sign', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: makeServiceAccountKey() });
  const base = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  t.is((await f.call('POST', base, csr('c', csrPem()))).status, 201);
  await grant(f, 'csr-writer', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status'], verbs: ['get', 'update'] }]);
  const current = await until(() => f.as('alice-token', 'GET', `${base}/c`), (r) => r.status === 200);
  const approve = () => f.as('alice-token', 'PUT', `${base}/c/approval`, { ...current.json, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  const refused = await approve();
  t.is(refused.status, 403);
  t.is(refused.json.message, 'certificatesigningrequests.certificates.k8s.io "c" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
  // A wildcard on the signer's domain is enough, as upstream.
  await grant(f, 'approver', [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/*'], verbs: ['approve'] }]);
  const approved = await until(approve, (r) => r.status !== 403);
  t.is(approved.status, 200, approved.text);
  const cert = Buffer.from(testPki().ca.cert).toString('base64');
  const sign = await f.as('alice-token', 'PUT', `${base}/c/status`, { ...approved.json, status: { ...approved.json.status, certificate: cert } });
  t.is(sign.status, 403);
  t.is(sign.json.message, 'certificatesigningrequests.certificates.k8s.io "c" is forbidden: user not permitted to sign requests with signerName "kubernetes.io/kube-apiserver-client"');
});
