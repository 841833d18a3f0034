// Impersonation through the in-process apiserver: each Impersonate-* part is authorized as
// verb `impersonate`, denied parts are 403 in upstream's words, and the request then runs as
// the impersonated user (RBAC, whoami, can-i). Headers as kubectl --as/--as-group/--as-uid send them.
import test from 'ava';
import { impersonate, impersonationRequests } from '../../../src/apiserver/auth/impersonation.js';
import type { Attributes, UserInfo } from '../../../src/apiserver/auth/types.js';
import { makeServiceAccountKey } from '../../../src/apiserver/wiring/serviceaccount-key.js';
import { startAuthFixture, until, type Fixture } from './fixture.js';

const saKey = makeServiceAccountKey();



const rbac = '/apis/rbac.authorization.k8s.io/v1';
const whoamiPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

async function create(f: Fixture, path: string, body: object) {
  const r = await f.call('POST', path, body);
  if (r.status !== 201) throw new Error(`${path}: ${r.text}`);
}

test('admin (system:masters) impersonates a user: RBAC and whoami see the impersonated user with system:authenticated', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const asAlice = { 'Impersonate-User': 'alice' };
  const whoami = await f.call('POST', whoamiPath, {}, asAlice);
  t.is(whoami.status, 201, whoami.text);
  t.deepEqual(whoami.json.status.userInfo, { username: 'alice', groups: ['system:authenticated'] });
  const pods = await f.call('GET', '/api/v1/namespaces/default/pods', undefined, asAlice);
  t.is(pods.status, 403);
  t.is(pods.json.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
  const withGroups = await f.call('POST', whoamiPath, {}, { 'Impersonate-User': 'carol', 'Impersonate-Group': ['g1', 'g2'], 'Impersonate-Uid': 'u-1', 'Impersonate-Extra-Scopes': ['a', 'b'], 'Impersonate-Extra-Example.com%2fteam': 'x' } as any);
  t.deepEqual(withGroups.json.status.userInfo, { username: 'carol', uid: 'u-1', groups: ['g1', 'g2', 'system:authenticated'], extra: { scopes: ['a', 'b'], 'example.com/team': ['x'] } });
  const masters = await f.call('GET', '/api/v1/namespaces/default/pods', undefined, { 'Impersonate-User': 'carol', 'Impersonate-Group': 'system:masters' });
  t.is(masters.status, 200, 'impersonated groups are the authority');
});

test('a ServiceAccount user gets its groups and its RoleBinding applies', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  await create(f, '/api/v1/namespaces', { metadata: { name: 'apps' } });
  await create(f, `${rbac}/namespaces/apps/rolebindings`, {
    metadata: { name: 'sa-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'apps' }],
  });
  const asRobot = { 'Impersonate-User': 'system:serviceaccount:apps:robot' };
  const whoami = await f.call('POST', whoamiPath, {}, asRobot);
  t.deepEqual(whoami.json.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated']);
  const list = await until(() => f.call('GET', '/api/v1/namespaces/apps/pods', undefined, asRobot), (r) => r.status !== 403);
  t.is(list.status, 200, list.text);
  t.is((await f.call('GET', '/api/v1/namespaces/apps/secrets', undefined, asRobot)).status, 403);
  const explicit = await f.call('POST', whoamiPath, {}, { ...asRobot, 'Impersonate-Group': 'only' });
  t.deepEqual(explicit.json.status.userInfo.groups, ['only', 'system:authenticated'], 'given groups replace the ServiceAccount ones');
});

test('a user without the impersonate verb is 403 in upstream words; granted parts pass one by one', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const denied = await f.as('alice-token', 'GET', '/api/v1/pods', undefined, { 'Impersonate-User': 'bob' });
  t.is(denied.status, 403);
  t.like(denied.json, {
    reason: 'Forbidden', code: 403,
    message: 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    details: { name: 'bob', kind: 'users' },
  });
  const sa = await f.as('alice-token', 'GET', '/api/v1/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:apps:robot' });
  t.is(sa.json.message, 'serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "apps"');

  await create(f, `${rbac}/clusterroles`, {
    metadata: { name: 'impersonate-bob' },
    rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bob'] }],
  });
  await create(f, `${rbac}/clusterrolebindings`, {
    metadata: { name: 'alice-impersonates-bob' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonate-bob' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
  const asBob = await until(() => f.as('alice-token', 'POST', whoamiPath, {}, { 'Impersonate-User': 'bob' }), (r) => r.status === 201);
  t.deepEqual(asBob.json.status.userInfo, { username: 'bob', groups: ['system:authenticated'] });
  const group = await f.as('alice-token', 'POST', whoamiPath, {}, { 'Impersonate-User': 'bob', 'Impersonate-Group': 'admins' });
  t.is(group.json.message, 'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
  const uid = await f.as('alice-token', 'POST', whoamiPath, {}, { 'Impersonate-User': 'bob', 'Impersonate-Uid': 'u-9' });
  t.is(uid.json.message, 'uids.authentication.k8s.io "u-9" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope');
  const extra = await f.as('alice-token', 'POST', whoamiPath, {}, { 'Impersonate-User': 'bob', 'Impersonate-Extra-Scopes': 'v' });
  t.is(extra.json.message, 'userextras.authentication.k8s.io "v" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope');
  const other = await f.as('alice-token', 'GET', '/api/v1/pods', undefined, { 'Impersonate-User': 'carol' });
  t.is(other.status, 403, 'resourceNames limit whom alice may be');
});

test('groups, uid or extras without a user are 400', async (t) => {
  const f = await startAuthFixture(t, { serviceAccountKey: saKey });
  const cases: Record<string, string>[] = [{ 'Impersonate-Group': 'g' }, { 'Impersonate-Uid': 'u' }, { 'Impersonate-Extra-Scopes': 's' }];
  for (const headers of cases) {
    const r = await f.call('GET', '/api/v1/pods', undefined, headers);
    t.is(r.status, 400, JSON.stringify(headers));
    t.like(r.json, { kind: 'Status', reason: 'BadRequest' });
    t.regex(r.json.message, /without impersonating a user/);
  }
});

test('impersonate(): anonymous gets system:unauthenticated; checks run in upstream order and stop at the first denial', async (t) => {
  const asked: string[] = [];
  const allowAll = async (_u: UserInfo, a: Attributes) => { asked.push(`${a.resource}${a.subresource ? `/${a.subresource}` : ''}:${a.name}`); return { allowed: true, reason: '' }; };
  const admin: UserInfo = { name: 'admin', groups: ['system:masters'] };
  t.is(await impersonate({}, admin, allowAll), undefined, 'no headers, no impersonation');
  const anon = await impersonate({ 'impersonate-user': ['system:anonymous'] }, admin, allowAll);
  t.deepEqual(anon, { user: { name: 'system:anonymous', groups: ['system:unauthenticated'] } });
  asked.length = 0;
  await impersonate({ 'impersonate-uid': ['u'], 'impersonate-extra-k': ['v'], 'impersonate-group': ['g'], 'impersonate-user': ['x'] }, admin, allowAll);
  t.deepEqual(asked, ['users:x', 'groups:g', 'userextras/k:v', 'uids:u']);
  const denyGroups = async (_u: UserInfo, a: Attributes) => ({ allowed: a.resource !== 'groups', reason: a.resource === 'groups' ? 'no groups' : '' });
  const denied = await impersonate({ 'impersonate-user': ['x'], 'impersonate-group': ['g'] }, admin, denyGroups);
  t.like(denied, { denied: { verb: 'impersonate', resource: 'groups', name: 'g', apiGroup: '' }, reason: 'no groups' });
  t.deepEqual(impersonationRequests({ 'impersonate-user': ['system:serviceaccount:ns:sa'] }), [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }]);
  t.deepEqual(impersonationRequests({ 'impersonate-user': ['system:serviceaccount:too:many:parts'] }), [{ kind: 'User', name: 'system:serviceaccount:too:many:parts' }]);
});

test('impersonate(): extra keys named like Object.prototype members are ordinary keys', async (t) => {
  const allowAll = async () => ({ allowed: true, reason: '' });
  const admin: UserInfo = { name: 'admin', groups: ['system:masters'] };
  // Header names are lower-cased by Node: 'Impersonate-Extra-constructor' pushed onto Object (500).
  const r = await impersonate({ 'impersonate-user': ['x'], 'impersonate-extra-constructor': ['a', 'b'], 'impersonate-extra-__proto__': ['c'], 'impersonate-extra-tostring': ['d'] }, admin, allowAll);
  const extra = r && 'user' in r ? r.user.extra! : {};
  t.deepEqual(Object.keys(extra).sort(), ['__proto__', 'constructor', 'tostring']);
  t.deepEqual([...Object.hasOwn(extra, 'constructor') ? extra.constructor as unknown as string[] : []], ['a', 'b']);
  t.true(Object.hasOwn(extra, '__proto__'));
  t.is(Object.getPrototypeOf(extra), Object.prototype);
});
