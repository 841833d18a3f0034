// RBAC escalation prevention through the in-process apiserver: a user who may write Roles
// and bindings may grant only what they hold, unless they have `escalate` or `bind`; every
// write verb (create, update, merge/JSON/strategic patch, apply) goes through the check.
import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import { applyPatch, serverSideApply, updateManagedFields } from '../../../src/apiserver/patch/index.js';
import { startAuthFixture, until, type AuthFixture } from './fixture.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const V1 = 'rbac.authorization.k8s.io/v1';
const BOB = 'user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n';

async function setup(t: any, rules: unknown[], clusterRules: unknown[] = []): Promise<AuthFixture> {
  const f = await startAuthFixture(t, {}, { hooks: { applyPatch, serverSideApply, updateManagedFields, defaultObject, validateObject } });
  const ok = (r: { status: number; text: string }) => { if (r.status >= 300) throw new Error(r.text); };
  ok(await f.call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } }));
  ok(await f.call('POST', `${RBAC}/namespaces/team/roles`, { apiVersion: V1, kind: 'Role', metadata: { name: 'rbac-writer' }, rules }));
  ok(await f.call('POST', `${RBAC}/namespaces/team/rolebindings`, {
    apiVersion: V1, kind: 'RoleBinding', metadata: { name: 'bob-writer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-writer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
  }));
  if (clusterRules.length) {
    ok(await f.call('POST', `${RBAC}/clusterroles`, { apiVersion: V1, kind: 'ClusterRole', metadata: { name: 'bob-cluster' }, rules: clusterRules }));
    ok(await f.call('POST', `${RBAC}/clusterrolebindings`, {
      apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'bob-cluster' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bob-cluster' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    }));
  }
  // RBAC reads a mirror that follows the writes above by their watch events.
  if (rules.length) await until(() => f.as('bob-token', 'GET', `${RBAC}/namespaces/team/roles`), (r) => r.status === 200);
  if (clusterRules.length) await until(() => f.as('bob-token', 'GET', `${RBAC}/clusterroles/bob-cluster`), (r) => r.status !== 403);
  return f;
}

// Not '*': that would include escalate and bind.
const WRITER = [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'list', 'update', 'patch', 'delete'] }];
const binding = (name: string, kind: string, role: string) => ({
  apiVersion: V1, kind: 'RoleBinding', metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
});

test('a user who may create RoleBindings cannot bind himself to cluster-admin: 403 in upstream words', async (t) => {
  const f = await setup(t, WRITER);
  const r = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('bob-admin', 'ClusterRole', 'cluster-admin'));
  t.is(r.status, 403, r.text);
  t.like(r.json, {
    kind: 'Status', reason: 'Forbidden', code: 403,
    message: `rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: ${BOB}{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`,
    details: { name: 'bob-admin', group: 'rbac.authorization.k8s.io', kind: 'rolebindings' },
  });
  t.is((await f.call('GET', `${RBAC}/namespaces/team/rolebindings/bob-admin`)).status, 404, 'nothing was stored');
  const own = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('bob-again', 'Role', 'rbac-writer'));
  t.is(own.status, 201, 'binding a role whose rights he holds is fine');
  // An existing binding of a role he does not hold: adding himself as a subject is a grant too.
  const carol = await f.call('POST', `${RBAC}/namespaces/team/rolebindings`, { ...binding('carol-admin', 'ClusterRole', 'admin'), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' }] });
  t.is(carol.status, 201, carol.text);
  const join = await f.as('bob-token', 'PATCH', `${RBAC}/namespaces/team/rolebindings/carol-admin`,
    [{ op: 'add', path: '/subjects/-', value: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' } }], { 'Content-Type': 'application/json-patch+json' });
  t.is(join.status, 403, join.text);
  t.regex(join.json.message, /^rolebindings\.rbac\.authorization\.k8s\.io "carol-admin" is forbidden: user "bob" .* not currently held:\n/);
  const retarget = await f.as('bob-token', 'PATCH', `${RBAC}/namespaces/team/rolebindings/bob-again`,
    { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' } }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(retarget.status, 422, 'roleRef is immutable, as upstream');
  t.regex(retarget.json.message, /roleRef: Invalid value: .*cannot change roleRef/);
  const missing = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('bob-ghost', 'Role', 'ghost'));
  t.is(missing.status, 404, missing.text);
  t.is(missing.json.message, 'roles.rbac.authorization.k8s.io "ghost" not found');
});

test('a Role with rights the user lacks is refused on create, update and every patch type', async (t) => {
  const f = await setup(t, WRITER);
  const secretsAll = { apiGroups: [''], resources: ['secrets'], verbs: ['*'] };
  const created = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/roles`, { apiVersion: V1, kind: 'Role', metadata: { name: 'r' }, rules: [secretsAll] });
  t.is(created.status, 403);
  t.is(created.json.message, `roles.rbac.authorization.k8s.io "r" is forbidden: ${BOB}{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}`);

  const narrow = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/roles`, { apiVersion: V1, kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }] });
  t.is(narrow.status, 201, narrow.text);
  const path = `${RBAC}/namespaces/team/roles/r`;
  const widen = [
    ['PUT', { ...narrow.json, rules: [secretsAll] }, 'application/json'],
    ['PATCH', { rules: [secretsAll] }, 'application/merge-patch+json'],
    ['PATCH', { rules: [secretsAll] }, 'application/strategic-merge-patch+json'],
    ['PATCH', [{ op: 'add', path: '/rules/-', value: secretsAll }], 'application/json-patch+json'],
  ] as const;
  for (const [method, body, type] of widen) {
    const r = await f.as('bob-token', method, path, body, { 'Content-Type': type });
    t.is(r.status, 403, `${method} ${type}: ${r.text}`);
    t.regex(r.json.message, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["\*"\]\}/);
  }
  const apply = await f.as('bob-token', 'PATCH', `${path}?fieldManager=bob&force=true`,
    JSON.stringify({ apiVersion: V1, kind: 'Role', metadata: { name: 'r' }, rules: [secretsAll] }), { 'Content-Type': 'application/apply-patch+yaml' });
  t.is(apply.status, 403, apply.text);
  const applyNew = await f.as('bob-token', 'PATCH', `${RBAC}/namespaces/team/roles/fresh?fieldManager=bob`,
    JSON.stringify({ apiVersion: V1, kind: 'Role', metadata: { name: 'fresh' }, rules: [secretsAll] }), { 'Content-Type': 'application/apply-patch+yaml' });
  t.is(applyNew.status, 403, 'apply that creates is checked too');
  const stored = await f.call('GET', path);
  t.deepEqual(stored.json.rules, narrow.json.rules, 'the Role is as it was');
  const gcOnly = await f.as('bob-token', 'PATCH', path, { metadata: { finalizers: ['example.com/keep'] } }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(gcOnly.status, 200, 'changing only finalizers is not checked');
});

test('escalate on roles lets a user write rights he lacks; bind on a named role lets him bind just that one', async (t) => {
  const f = await setup(t, [
    ...WRITER,
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] },
  ]);
  const role = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/roles`, { apiVersion: V1, kind: 'Role', metadata: { name: 'wide' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] });
  t.is(role.status, 201, role.text);
  t.is((await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('v', 'ClusterRole', 'view'))).status, 201);
  const edit = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('e', 'ClusterRole', 'edit'));
  t.is(edit.status, 403);
  t.regex(edit.json.message, /^rolebindings\.rbac\.authorization\.k8s\.io "e" is forbidden: user "bob"/);
});

test('ClusterRoleBindings and ClusterRoles are checked against cluster-wide rights; aggregationRule needs all of them', async (t) => {
  const f = await setup(t, [], [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['create', 'update', 'patch', 'get'] }]);
  const crb = await f.as('bob-token', 'POST', `${RBAC}/clusterrolebindings`, {
    apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'bob-root' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
  });
  t.is(crb.status, 403);
  t.is(crb.json.message, `clusterrolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: ${BOB}{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`);
  const agg = await f.as('bob-token', 'POST', `${RBAC}/clusterroles`, {
    apiVersion: V1, kind: 'ClusterRole', metadata: { name: 'gatherer' }, rules: [],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] },
  });
  t.is(agg.status, 403, agg.text);
  t.is(agg.json.message, 'clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  const plain = await f.as('bob-token', 'POST', `${RBAC}/clusterroles`, { apiVersion: V1, kind: 'ClusterRole', metadata: { name: 'plain' }, rules: [] });
  t.is(plain.status, 201, plain.text);
  const addAgg = await f.as('bob-token', 'PATCH', `${RBAC}/clusterroles/plain`, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(addAgg.status, 403, 'adding one by patch too');
  const inNs = await f.as('bob-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('x', 'ClusterRole', 'cluster-admin'));
  t.is(inNs.status, 403, 'no rights in team at all');
});
