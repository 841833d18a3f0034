import test from 'ava';
import { aggregatedRules } from '../../../../src/controllers/clusterrole-aggregation/aggregate.js';
import { bootstrapRbac, forbidden, rbacAuthorizer, ruleAllows, type Attributes, type RbacSource, type UserInfo } from '../../../../src/apiserver/auth/index.js';
import type { RbacObject } from '../../../../src/apiserver/auth/rbac.js';

/** RBAC objects held in memory, as an informer cache would hold them once aggregation has settled. */
function source(extra: any[] = []): RbacSource {
  const all = [...bootstrapRbac(), ...extra];
  const clusterRoles = all.filter((o) => o.kind === 'ClusterRole');
  for (let pass = 0; pass < 3; pass++) for (const r of clusterRoles) r.rules = aggregatedRules(r, clusterRoles) ?? r.rules;
  const of = (kind: string, ns?: string) => all.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns));
  return {
    role: async (ns, name) => of('Role', ns).find((r) => r.metadata.name === name),
    roleBindings: async (ns) => of('RoleBinding', ns),
    clusterRole: async (name) => of('ClusterRole').find((r) => r.metadata.name === name),
    clusterRoleBindings: async () => of('ClusterRoleBinding'),
  };
}

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const res = (user: UserInfo, verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes =>
  ({ user, verb, apiGroup: '', resource, resourceRequest: true, ...extra });
const path = (user: UserInfo, p: string, verb = 'get'): Attributes => ({ user, verb, apiGroup: '', resource: '', path: p, resourceRequest: false });

const roleBinding = (name: string, ns: string, roleKind: string, role: string, subjects: any[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects,
});

test('rules match verbs, groups, resources, subresources, names and URLs as upstream', (t) => {
  const a = res(alice, 'get', 'pods', { subresource: 'log', name: 'web', namespace: 'ns' });
  t.true(ruleAllows(a, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }));
  t.true(ruleAllows(a, { verbs: ['*'], apiGroups: ['*'], resources: ['*/log'] }));
  t.false(ruleAllows(a, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }), 'pods does not cover pods/log');
  t.false(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['pods/log'] }));
  t.true(ruleAllows(a, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'], resourceNames: ['web'] }));
  t.false(ruleAllows(a, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'], resourceNames: ['db'] }));
  t.false(ruleAllows(res(alice, 'list', 'pods'), { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] }));
  t.true(ruleAllows(path(alice, '/apis/apps/v1'), { verbs: ['get'], nonResourceURLs: ['/apis/*'] }));
  t.false(ruleAllows(path(alice, '/apis'), { verbs: ['get'], nonResourceURLs: ['/apis/*'] }));
  t.false(ruleAllows(path(alice, '/healthz'), { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }), 'resource rules never cover paths');
});

test('system:masters may do anything; others only what a binding grants', async (t) => {
  const authz = rbacAuthorizer(source());
  t.deepEqual(await authz.authorize(res({ name: 'admin', groups: ['system:masters'] }, 'delete', 'nodes')), { allowed: true, reason: '' });
  t.deepEqual(await authz.authorize(res(alice, 'list', 'pods', { namespace: 'default' })), { allowed: false, reason: '' });
});

test('the bootstrap roles: discovery for the authenticated, health for everyone', async (t) => {
  const authz = rbacAuthorizer(source());
  const api = await authz.authorize(path(alice, '/apis/apps/v1'));
  t.true(api.allowed);
  t.is(api.reason, 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"');
  t.false((await authz.authorize(path(anonymous, '/apis'))).allowed);
  t.true((await authz.authorize(path(anonymous, '/healthz'))).allowed);
  t.true((await authz.authorize(path(anonymous, '/version'))).allowed);
  t.true((await authz.authorize(res(alice, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }))).allowed);
  t.true((await authz.authorize(res({ name: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'create', 'pods', { subresource: 'binding', namespace: 'x' }))).allowed);
  t.false((await authz.authorize(res({ name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] }, 'patch', 'nodes', { subresource: 'status', name: 'n1' }))).allowed,
    'system:node is bound to nobody, as upstream: the Node authorizer grants kubelets their rights');
});

test('a RoleBinding to a ClusterRole grants it in that namespace only', async (t) => {
  const authz = rbacAuthorizer(source([roleBinding('alice-edit', 'team', 'ClusterRole', 'edit', [{ kind: 'User', name: 'alice' }])]));
  const inTeam = await authz.authorize(res(alice, 'create', 'deployments', { apiGroup: 'apps', namespace: 'team' }));
  t.deepEqual(inTeam, { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-edit/team" of ClusterRole "edit" to User "alice"' });
  t.true((await authz.authorize(res(alice, 'get', 'pods', { namespace: 'team' }))).allowed, 'edit includes view');
  t.false((await authz.authorize(res(alice, 'create', 'rolebindings', { apiGroup: 'rbac.authorization.k8s.io', namespace: 'team' }))).allowed, 'edit is not admin');
  t.false((await authz.authorize(res(alice, 'create', 'deployments', { apiGroup: 'apps', namespace: 'other' }))).allowed);
  t.false((await authz.authorize(res(alice, 'list', 'deployments', { apiGroup: 'apps' }))).allowed, 'not cluster-wide');
});

test('a ServiceAccount subject without namespace means the binding namespace; Roles are found', async (t) => {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm-reader', namespace: 'apps' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] };
  const authz = rbacAuthorizer(source([role, roleBinding('bot', 'apps', 'Role', 'cm-reader', [{ kind: 'ServiceAccount', name: 'bot' }])]));
  const bot: UserInfo = { name: 'system:serviceaccount:apps:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'] };
  const got = await authz.authorize(res(bot, 'get', 'configmaps', { namespace: 'apps', name: 'x' }));
  t.deepEqual(got, { allowed: true, reason: 'RBAC: allowed by RoleBinding "bot/apps" of Role "cm-reader" to ServiceAccount "bot/apps"' });
  const other: UserInfo = { ...bot, name: 'system:serviceaccount:web:bot' };
  t.false((await authz.authorize(res(other, 'get', 'configmaps', { namespace: 'apps' }))).allowed);
});

test('a binding to a missing role denies with upstream reason', async (t) => {
  const authz = rbacAuthorizer(source([roleBinding('broken', 'team', 'Role', 'ghost', [{ kind: 'Group', name: 'system:authenticated' }])]));
  t.deepEqual(await authz.authorize(res(alice, 'get', 'pods', { namespace: 'team' })), { allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "ghost" not found' });
});

test('flattened aggregates: admin ⊇ edit ⊇ view, with their aggregation rules kept', (t) => {
  const byName = new Map(bootstrapRbac().filter((o) => o.kind === 'ClusterRole').map((o) => [o.metadata.name, o]));
  const [admin, edit, view] = ['admin', 'edit', 'view'].map((n) => byName.get(n)!) as [RbacObject, RbacObject, RbacObject];
  const has = (role: any, r: any) => role.rules.some((x: any) => JSON.stringify(x) === JSON.stringify(r));
  t.true(view.rules!.every((r: any) => has(edit, r)));
  t.true(edit.rules!.every((r: any) => has(admin, r)));
  t.deepEqual(view.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
  const names = new Set(bootstrapRbac().map((o) => `${o.kind}/${o.metadata.name}`));
  for (const n of ['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node', 'system:kube-scheduler', 'system:kube-controller-manager']) {
    t.true(names.has(`ClusterRole/${n}`), n);
  }
  const pub = bootstrapRbac().find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'system:public-info-viewer');
  t.deepEqual(pub!.subjects!.map((s: any) => s.name), ['system:authenticated', 'system:unauthenticated']);
});

test('Forbidden is worded as upstream', (t) => {
  const ns = forbidden(res(alice, 'list', 'deployments', { apiGroup: 'apps', namespace: 'team' }));
  t.is(ns.code, 403);
  t.is(ns.message, 'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" in the namespace "team"');
  t.deepEqual(ns.status.details, { group: 'apps', kind: 'deployments' });
  t.is(forbidden(res(alice, 'get', 'nodes', { name: 'n1', subresource: 'proxy' })).message,
    'nodes "n1" is forbidden: User "alice" cannot get resource "nodes/proxy" in API group "" at the cluster scope');
  t.is(forbidden(path(anonymous, '/apis')).message, 'forbidden: User "system:anonymous" cannot get path "/apis"');
  t.is(forbidden(res(alice, 'get', 'pods', { namespace: 'x' }), 'RBAC: role.rbac.authorization.k8s.io "r" not found').message,
    'pods is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "x": RBAC: role.rbac.authorization.k8s.io "r" not found');
});
