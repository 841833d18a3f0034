// The RBAC mirror keeps what the authorizer can read as typed: a stored role or binding whose
// rules, subjects or roleRef have another JSON type (which validation never lets in) is left
// out, so it grants nothing; null lists are Go's empty ones and are kept.
import test from 'ava';
import { rbacAuthorizer } from '../../../src/apiserver/auth/rbac.js';
import { rbacCache } from '../../../src/apiserver/wiring/rbac-source.js';
import { MemoryStore } from '../../../src/store/memory.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';
const put = (store: MemoryStore, key: string, obj: object) => store.create(`${PREFIX}${key}`, Buffer.from(JSON.stringify(obj)));

test('a role with a rule of the wrong type is not mirrored; null lists are', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  // A string where verbs are a list: 'get'.includes('get') would have matched.
  await put(store, 'clusterroles/bad', { metadata: { name: 'bad' }, rules: [{ verbs: 'get', apiGroups: [''], resources: ['pods'] }] });
  await put(store, 'clusterroles/empty', { metadata: { name: 'empty' }, rules: null });
  await put(store, 'clusterroles/good', { metadata: { name: 'good' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: null }] });
  await put(store, 'clusterrolebindings/b', { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'bad' }, subjects: [{ kind: 'User', name: 'u' }] });
  await put(store, 'clusterrolebindings/odd', { metadata: { name: 'odd' }, roleRef: 'good', subjects: [{ kind: 'User', name: 'u' }] });
  const cache = rbacCache(store);
  t.teardown(() => cache.stop());
  await cache.ready;
  t.deepEqual(cache.clusterRolesNow().map((r) => r.metadata.name).sort(), ['empty', 'good']);
  t.is(await cache.clusterRole('bad'), undefined);
  t.is((await cache.clusterRole('good'))?.metadata.name, 'good');
  t.deepEqual((await cache.clusterRoleBindings()).map((b) => b.metadata.name), ['b']);
  const decision = await rbacAuthorizer(cache).authorize({ user: { name: 'u', groups: [] }, verb: 'get', apiGroup: '', resource: 'pods', namespace: 'x', name: 'p', resourceRequest: true });
  t.deepEqual(decision, { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "bad" not found' });
});
