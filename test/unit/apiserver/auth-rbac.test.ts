// Authentication and RBAC through the in-process apiserver: static tokens, anonymous
// requests, the default policy, RoleBindings, self reviews, TokenRequest and the `default`
// ServiceAccounts.
import test from 'ava';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { startAuthFixture, until, type Fixture } from './fixture.js';

const saKey = makeServiceAccountKey();



async function namespaceWithViewer(f: Fixture, ns: string, user: string) {
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const rb = await f.call('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${user}-view` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  if (rb.status !== 201) throw new Error(rb.text);
}

test('a token user bound to view can list but not create: 403 in upstream words', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  t.is((await f.as('alice-token', 'GET', '/api/v1/namespaces/team/pods')).status, 403, 'nothing granted before the binding');
  await namespaceWithViewer(f, 'team', 'alice');
  const list = await until(() => f.as('alice-token', 'GET', '/api/v1/namespaces/team/pods'), (r) => r.status !== 403);
  t.is(list.status, 200, list.text);
  const created = await f.as('alice-token', 'POST', '/api/v1/namespaces/team/configmaps', { metadata: { name: 'c' }, data: { k: 'v' } });
  t.is(created.status, 403);
  t.like(created.json, {
    kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403,
    message: 'configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team"',
    details: { kind: 'configmaps' },
  });
  const other = await f.as('alice-token', 'GET', '/api/v1/namespaces/default/pods');
  t.is(other.json.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"', 'the binding is per namespace');
  t.is((await f.as('bob-token', 'GET', '/api/v1/namespaces/team/pods')).status, 403, 'bob is not bound');
});

test('anonymous requests: system:anonymous, 403 on resources, 200 on health and version; bad credentials are 401 everywhere', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const anon = (path: string) => f.call('GET', path, undefined, {}, { cert: false });
  const pods = await anon('/api/v1/pods');
  t.is(pods.status, 403);
  t.like(pods.json, { kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope' });
  t.is((await anon('/api')).status, 403, 'discovery is for authenticated users');
  const impersonating = await f.call('GET', '/api/v1/pods', undefined, { 'Impersonate-User': 'alice' }, { cert: false });
  t.is(impersonating.status, 403);
  t.regex(impersonating.json.message, /User "system:anonymous" cannot impersonate resource "users"/);
  for (const path of ['/healthz', '/livez', '/readyz', '/version']) t.is((await anon(path)).status, 200, path);
  t.is((await f.as('no-such-token', 'GET', '/healthz')).status, 401);
  t.is((await f.as('no-such-token', 'GET', '/api/v1/pods')).status, 401);
  t.is((await f.as('alice-token', 'GET', '/api')).status, 200, 'system:discovery for every authenticated user');
});

test('--anonymous-auth=false: requests without credentials are 401 even on /healthz', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey, anonymous: false });
  t.is((await f.call('GET', '/healthz', undefined, {}, { cert: false })).status, 401);
  t.is((await f.call('GET', '/healthz')).status, 200, 'the admin certificate still works');
});

test('SelfSubjectAccessReview and SelfSubjectRulesReview answer for the requester', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  await namespaceWithViewer(f, 'team', 'alice');
  const review = (verb: string, resource: string) => f.as('alice-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb, resource } },
  });
  const list = await until(() => review('list', 'pods'), (r) => r.json?.status?.allowed === true);
  t.is(list.status, 201);
  t.regex(list.json.status.reason, /RoleBinding "alice-view\/team" of ClusterRole "view"/);
  t.false((await review('create', 'configmaps')).json.status.allowed);
  const bad = await f.as('alice-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} });
  t.is(bad.status, 400);
  const rules = await f.as('alice-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'team' } });
  t.is(rules.status, 201);
  t.true(rules.json.status.resourceRules.some((r: any) => r.resources?.includes('pods') && r.verbs.includes('list')));
  t.true(rules.json.status.nonResourceRules.some((r: any) => r.nonResourceURLs.includes('/healthz')));
  const whoami = await f.as('alice-token', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
  t.deepEqual(whoami.json.status.userInfo, { username: 'alice', uid: 'uid-alice', groups: ['devs', 'system:authenticated'] });
});

test('TokenRequest: a JWT for the default ServiceAccount that authenticates as it; upstream limits', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'apps' } });
  // The default ServiceAccount comes from the namespace's watch event.
  const sa = await until(() => f.call('GET', '/api/v1/namespaces/apps/serviceaccounts/default'), (r) => r.status === 200);
  const issued = await f.call('POST', '/api/v1/namespaces/apps/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  t.is(issued.status, 201, issued.text);
  t.like(issued.json, { kind: 'TokenRequest', spec: { audiences: [saKey.issuer], expirationSeconds: 3600 } });
  t.true(Date.parse(issued.json.status.expirationTimestamp) > Date.now());
  const whoami = await f.as(issued.json.status.token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
  t.is(whoami.status, 201);
  t.like(whoami.json.status.userInfo, { username: 'system:serviceaccount:apps:default', uid: sa.json.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'] });
  const denied = await f.as(issued.json.status.token, 'GET', '/api/v1/namespaces/apps/secrets');
  t.is(denied.json.message, 'secrets is forbidden: User "system:serviceaccount:apps:default" cannot list resource "secrets" in API group "" in the namespace "apps"');

  const short = await f.call('POST', '/api/v1/namespaces/apps/serviceaccounts/default/token', { spec: { expirationSeconds: 60 } });
  t.is(short.status, 422);
  t.is(short.json.details.causes[0].field, 'spec.expirationSeconds');
  t.is((await f.call('POST', '/api/v1/namespaces/apps/serviceaccounts/nobody/token', { spec: {} })).status, 404);
  t.is((await f.as('alice-token', 'POST', '/api/v1/namespaces/apps/serviceaccounts/default/token', { spec: {} })).status, 403, 'minting tokens is an RBAC-checked create');
  const tampered = issued.json.status.token.slice(0, -4) + 'AAAA';
  t.is((await f.as(tampered, 'GET', '/api')).status, 401);
});

test('the default ClusterRoles and ClusterRoleBindings are in the store at start', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const roles = await f.call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles');
  const names = roles.json.items.map((r: any) => r.metadata.name);
  for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']) t.true(names.includes(name), name);
  const bindings = await f.call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin');
  t.deepEqual(bindings.json.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
});
