// Cluster-scoped resources exist only outside /namespaces/<ns>/: under a namespace path every
// verb is upstream's 404, even for a user whose Role in that namespace allows everything (a
// Role must never reach namespaces, nodes or ClusterRoles). Namespaced resources without a
// namespace have only their list/watch route.
import test from 'ava';
import { startAuthFixture, until } from './fixture.js';

const CLUSTER_SCOPED = [
  { base: '/api/v1', plural: 'namespaces', body: (n: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }) },
  { base: '/api/v1', plural: 'nodes', body: (n: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } }) },
  { base: '/api/v1', plural: 'persistentvolumes', body: (n: string) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: n }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp' } } }) },
  { base: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', body: (n: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: n }, rules: [] }) },
];

test('every verb on a cluster-scoped resource under a namespace path is 404, for admin and for a Role that allows everything', async (t) => {
  const f = await startAuthFixture(t);
  t.is((await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } })).status, 201);
  t.is((await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'other' } })).status, 201);
  t.is((await f.call('POST', '/api/v1/nodes', { metadata: { name: 'n1' } })).status, 201);
  const role = await f.call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles', {
    metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  });
  t.is(role.status, 201, role.text);
  const binding = await f.call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
    metadata: { name: 'alice-everything' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'everything' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
  t.is(binding.status, 201, binding.text);
  await until(() => f.as('alice-token', 'GET', '/api/v1/namespaces/team/configmaps'), (r) => r.status === 200);

  const existing: Record<string, string> = { namespaces: 'other', nodes: 'n1', persistentvolumes: 'pv-x', clusterroles: 'view' };
  for (const who of ['alice', 'admin'] as const) {
    const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      who === 'admin' ? f.call(method, path, body, headers) : f.as('alice-token', method, path, body, headers);
    for (const r of CLUSTER_SCOPED) {
      const collection = `${r.base}/namespaces/team/${r.plural}`;
      const item = `${collection}/${existing[r.plural]}`;
      const merge = { 'Content-Type': 'application/merge-patch+json' };
      const requests: [string, string, unknown?, Record<string, string>?][] = [
        ['GET', collection], ['GET', `${collection}?watch=true&timeoutSeconds=1`], ['GET', `${r.base}/watch/namespaces/team/${r.plural}`],
        ['POST', collection, r.body('made-under-team')], ['DELETE', collection],
        ['GET', item], ['PUT', item, r.body(existing[r.plural]!)], ['PATCH', item, { metadata: { labels: { pwned: 'yes' } } }, merge],
        ['DELETE', item], ['GET', `${item}/status`],
        ['GET', `${r.base}/%6eamespaces/team/${r.plural}`], ['DELETE', `${r.base}/%6eamespaces/team/${r.plural}/${existing[r.plural]}`],
      ];
      for (const [method, path, body, headers] of requests) {
        const reply = await send(method, path, body, headers);
        t.is(reply.status, 404, `${who} ${method} ${path}: ${reply.text}`);
        t.like(reply.json, { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
      }
    }
  }
  // Nothing changed cluster-wide.
  const other = await f.call('GET', '/api/v1/namespaces/other');
  t.is(other.status, 200);
  t.is(other.json.metadata.labels?.pwned, undefined);
  t.is((await f.call('GET', '/api/v1/namespaces/made-under-team')).status, 404);
  t.is((await f.call('GET', '/api/v1/namespaces/kube-system')).json.status.phase, 'Active');
  // The namespace object itself keeps its paths.
  t.is((await f.call('GET', '/api/v1/namespaces/team')).status, 200);
  t.is((await f.call('GET', '/api/v1/namespaces/team/status')).status, 200);
  // As upstream: a Role in `team` reaches the namespace object `team` (its request info is in that namespace).
  t.is((await f.as('alice-token', 'GET', '/api/v1/namespaces/team')).status, 200);
});

test('cluster-scoped reviews under a namespace path are 404; localsubjectaccessreviews stay namespaced', async (t) => {
  const f = await startAuthFixture(t);
  const ssar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } };
  t.is((await f.call('POST', '/apis/authorization.k8s.io/v1/namespaces/default/selfsubjectaccessreviews', ssar)).status, 404);
  t.is((await f.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar)).status, 201);
});

test('a namespaced resource without a namespace: list and watch only; create and deletecollection 405, names 404', async (t) => {
  const f = await startAuthFixture(t);
  t.is((await f.call('GET', '/api/v1/configmaps')).status, 200);
  const created = await f.call('POST', '/api/v1/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } });
  t.is(created.status, 405, created.text);
  t.like(created.json, { reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' });
  t.is((await f.call('DELETE', '/api/v1/configmaps')).status, 405);
  for (const method of ['GET', 'PUT', 'DELETE']) t.is((await f.call(method, '/api/v1/configmaps/c', method === 'PUT' ? { metadata: { name: 'c' } } : undefined)).status, 404, method);
});
