// A kubelet's client certificate (CN=system:node:n1, O=system:nodes) against the in-process
// apiserver: the Node authorizer and NodeRestriction together leave it its own Node, its
// Lease, mirror pods, and the secrets of pods bound to it; everything else is 403 in
// upstream's words.
import test from 'ava';
import { Agent } from 'node:https';
import { issueClientCertificate } from '../../../src/apiserver/pki.js';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { ensureBootstrapRbac } from '../../../src/apiserver/wiring/startup.js';
import { standInHooks, strategiesFor } from '../../helpers/apiserver-stand-ins.js';
import { FakeClock } from '../../../src/host/clock.js';
import { Registry } from '../../../src/apiserver/storage/registry.js';
import { findResource } from '../../../src/api/resources.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { pod, startAuthFixture, testPki, until, type AuthFixture, type Reply } from './fixture.js';

const PATCH = { 'Content-Type': 'application/merge-patch+json' };
const saKey = makeServiceAccountKey();

async function setup(t: any): Promise<AuthFixture & { node(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> }> {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const cert = issueClientCertificate(testPki().ca, 'system:node:n1', ['system:nodes']);
  const agent = new Agent({ keepAlive: true, ca: testPki().ca.cert, cert: cert.cert, key: cert.key });
  t.teardown(() => agent.destroy());
  const node = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => f.call(method, path, body, headers, { agent });
  const ok = (r: Reply) => { if (r.status >= 300) throw new Error(r.text); return r; };
  ok(await f.call('POST', '/api/v1/nodes', { metadata: { name: 'n1' } }));
  ok(await f.call('POST', '/api/v1/nodes', { metadata: { name: 'n2', labels: { 'node-restriction.kubernetes.io/pci': 'true' } } }));
  for (const name of ['mine', 'theirs', 'loose']) ok(await f.call('POST', '/api/v1/namespaces/default/secrets', { metadata: { name }, data: {} }));
  ok(await f.call('POST', '/api/v1/namespaces/default/pods', pod('on-n1', { spec: { nodeName: 'n1', volumes: [{ name: 's', secret: { secretName: 'mine' } }] } })));
  ok(await f.call('POST', '/api/v1/namespaces/default/pods', pod('on-n2', { spec: { nodeName: 'n2', volumes: [{ name: 's', secret: { secretName: 'theirs' } }] } })));
  return { ...f, node };
}

test('a node reads its own pods\' secrets, not others\'; lists only its pods; reads only its Node', async (t) => {
  const f = await setup(t);
  const mine = await until(() => f.node('GET', '/api/v1/namespaces/default/secrets/mine'), (r) => r.status === 200);
  t.is(mine.json.metadata.name, 'mine');
  const theirs = await f.node('GET', '/api/v1/namespaces/default/secrets/theirs');
  t.is(theirs.status, 403);
  t.is(theirs.json.message, 'secrets "theirs" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  t.is((await f.node('GET', '/api/v1/namespaces/default/secrets')).status, 403, 'no listing secrets');
  const one = await f.node('GET', '/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dmine');
  t.is(one.status, 200, 'a list of one secret by metadata.name is about that secret, as upstream (the kubelet watches them so)');
  t.deepEqual(one.json.items.map((s: any) => s.metadata.name), ['mine']);
  t.is((await f.node('GET', '/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dtheirs')).status, 403);
  // One requirement on metadata.namespace (the comma is escaped) that every secret meets: it was
  // authorized as a list of 'mine' and answered with every secret of the namespace.
  const escaped = await f.node('GET', `/api/v1/namespaces/default/secrets?fieldSelector=${encodeURIComponent('metadata.namespace!=x\\,metadata.name=mine')}`);
  t.is(escaped.status, 403, escaped.text);
  const pods = await f.node('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('status.phase!=x\\,spec.nodeName=n1')}`);
  t.is(pods.status, 403, pods.text);
  const all = await f.node('GET', '/api/v1/pods');
  t.is(all.status, 403);
  t.regex(all.json.message, /can only list\/watch pods with spec\.nodeName field selector$/);
  const own = await f.node('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
  t.is(own.status, 200, own.text);
  t.deepEqual(own.json.items.map((p: any) => p.metadata.name), ['on-n1']);
  t.is((await f.node('GET', '/api/v1/nodes/n1')).status, 200);
  t.is((await f.node('GET', '/api/v1/nodes/n2')).status, 403);
});

test('a node patches only its own Node, without restricted labels or taints, and only its own pods\' status', async (t) => {
  const f = await setup(t);
  const other = await f.node('PATCH', '/api/v1/nodes/n2', { metadata: { labels: { x: 'y' } } }, PATCH);
  t.is(other.status, 403, other.text);
  t.is(other.json.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  const otherStatus = await f.node('PATCH', '/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, PATCH);
  t.is(otherStatus.status, 403);
  const label = await f.node('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'node-restriction.kubernetes.io/pci': 'true', 'node-role.kubernetes.io/control-plane': '' } } }, PATCH);
  t.is(label.status, 403);
  t.is(label.json.message, 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci, node-role.kubernetes.io/control-plane');
  const taints = await f.node('PATCH', '/api/v1/nodes/n1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }, PATCH);
  t.is(taints.status, 403);
  t.is(taints.json.message, 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
  t.is((await f.node('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'kubernetes.io/hostname': 'n1', 'example.com/rack': '7' } } }, PATCH)).status, 200);
  t.is((await f.node('PATCH', '/api/v1/namespaces/default/pods/on-n1/status', { status: { phase: 'Running' } }, PATCH)).status, 200);
  const theirPod = await f.node('PATCH', '/api/v1/namespaces/default/pods/on-n2/status', { status: { phase: 'Failed' } }, PATCH);
  t.is(theirPod.status, 403);
  t.is(theirPod.json.message, 'pods "on-n2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  const evict = await f.node('POST', '/api/v1/namespaces/default/pods/on-n2/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'on-n2' } });
  t.is(evict.status, 403, evict.text);
  t.is(evict.json.message, 'pods "on-n2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
  const del = await f.node('DELETE', '/api/v1/namespaces/default/pods/on-n2');
  t.is(del.status, 403);
  t.is(del.json.message, 'pods "on-n2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  t.is((await f.call('GET', '/api/v1/namespaces/default/pods/on-n2')).status, 200, 'still there');
  t.is((await f.node('POST', '/api/v1/namespaces/default/pods/on-n1/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'on-n1' } })).status, 201, 'its own pod it may evict');
});

test('a node creates only mirror pods bound to and owned by itself, referring to nothing', async (t) => {
  const f = await setup(t);
  const ns = '/api/v1/namespaces/kube-system/pods';
  const plain = await f.node('POST', ns, pod('plain', { spec: { nodeName: 'n1' } }));
  t.is(plain.status, 403);
  t.is(plain.json.message, 'pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  const n1 = (await f.call('GET', '/api/v1/nodes/n1')).json;
  const mirror = (name: string, spec: object, owner: object = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: n1.metadata.uid, controller: true }) => ({
    ...pod(name, { spec: { nodeName: 'n1', ...spec } }),
    metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences: [owner] },
  });
  const elsewhere = await f.node('POST', ns, mirror('elsewhere', { nodeName: 'n2' }));
  t.is(elsewhere.json.message, 'pods "elsewhere" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  const secret = await f.node('POST', ns, mirror('with-secret', { volumes: [{ name: 's', secret: { secretName: 'loose' } }] }));
  // ServiceAccount admission judges mirror pods before NodeRestriction does, as in upstream's plugin order.
  t.is(secret.json.message, 'pods "with-secret" is forbidden: a mirror pod may not reference secrets');
  const sa = await f.node('POST', ns, mirror('with-sa', { serviceAccountName: 'default' }));
  t.is(sa.json.message, 'pods "with-sa" is forbidden: a mirror pod may not reference service accounts');
  const notOwned = await f.node('POST', ns, mirror('not-owned', {}, { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: n1.metadata.uid }));
  t.is(notOwned.json.message, 'pods "not-owned" is forbidden: node "n1" can only create pods with a controller owner reference set to itself');
  const ok = await f.node('POST', ns, mirror('static-web', {}));
  t.is(ok.status, 201, ok.text);
});

test('a node gets tokens only bound to its own pods; its lease only in kube-node-lease under its name', async (t) => {
  const f = await setup(t);
  const onN1 = (await f.call('GET', '/api/v1/namespaces/default/pods/on-n1')).json;
  const token = (spec: object) => f.node('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  // The authorizer lets n1 ask for `default`'s tokens once its graph has seen on-n1; admission wants a pod binding.
  const unbound = await until(() => token({}), (r) => /not bound to a pod/.test(r.text));
  t.is(unbound.status, 403, unbound.text);
  t.is(unbound.json.message, 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  const onN2 = (await f.call('GET', '/api/v1/namespaces/default/pods/on-n2')).json;
  const foreign = await token({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'on-n2', uid: onN2.metadata.uid } });
  t.is(foreign.json.message, 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  const bound = await token({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'on-n1', uid: onN1.metadata.uid } });
  t.is(bound.status, 201, bound.text);
  const lease = (ns: string, name: string) => f.node('POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: {} });
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'kube-node-lease' } });
  const otherLease = await lease('kube-node-lease', 'n2');
  t.is(otherLease.status, 403, otherLease.text);
  t.is(otherLease.json.message, 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
  t.is((await lease('default', 'n1')).status, 403);
  t.is((await lease('kube-node-lease', 'n1')).status, 201);
});

test('a data dir from before the Node authorizer loses its system:node binding to the group system:nodes at start', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = new Registry({ store, hooks: standInHooks(), clock: new FakeClock(), strategies: strategiesFor(store) });
  const crbs = findResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  const old = (name: string, annotations: Record<string, string>) => registry.create(crbs, '', {
    metadata: { name, annotations }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }, { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:node:legacy' }],
  });
  await old('system:node', { 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
  await ensureBootstrapRbac(registry);
  t.deepEqual((await registry.get(crbs, '', 'system:node')).subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:node:legacy' }]);
});

test('a node\'s SelfSubjectRulesReview is incomplete, as upstream: its rights hang on the graph', async (t) => {
  const f = await setup(t);
  const r = await f.node('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
  t.is(r.status, 201, r.text);
  t.like(r.json.status, { incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
});
