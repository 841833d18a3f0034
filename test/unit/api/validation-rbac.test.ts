import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';

const rbac = (kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind });
const ROLE = rbac('Role');
const CROLE = rbac('ClusterRole');
const RB = rbac('RoleBinding');
const CRB = rbac('ClusterRoleBinding');
const PDB = { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' };
const shape = (cs: { field?: string; message: string }[]) => cs.map((c) => [c.field, c.message]);
const RBAC = 'rbac.authorization.k8s.io';

test('what kubectl create role, clusterrole, rolebinding, clusterrolebinding and pdb send is valid', (t) => {
  t.deepEqual(validateObject(ROLE, { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get'] }] }), []);
  t.deepEqual(validateObject(CROLE, { metadata: { name: 'logs' }, rules: [{ nonResourceURLs: ['/logs/*'], verbs: ['get'] }] }), []);
  t.deepEqual(validateObject(CROLE, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] } }), []);
  const rb: any = { metadata: { name: 'b' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'bob' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa' }] };
  defaultObject(RB, rb);
  t.deepEqual(validateObject(RB, rb), []);
  const crb: any = { metadata: { name: 'b' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'default' }] };
  defaultObject(CRB, crb);
  t.deepEqual(validateObject(CRB, crb), []);
  t.deepEqual(validateObject(PDB, { metadata: { name: 'p' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'rails' } } } }), []);
  t.deepEqual(validateObject(PDB, { metadata: { name: 'p' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'rails' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } }), []);
});

test('role rules need verbs and resources; non-resource URLs only on cluster roles', (t) => {
  t.deepEqual(shape(validateObject(ROLE, { metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'] }] })), [['rules[0].verbs', 'Required value: verbs must contain at least one value']]);
  t.deepEqual(shape(validateObject(ROLE, { metadata: { name: 'r' }, rules: [{ verbs: ['get'] }] })),
    [['rules[0].apiGroups', 'Required value: resource rules must supply at least one api group'], ['rules[0].resources', 'Required value: resource rules must supply at least one resource']]);
  t.deepEqual(shape(validateObject(ROLE, { metadata: { name: 'r' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] })),
    [['rules[0].nonResourceURLs', 'Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs']]);
  t.deepEqual(shape(validateObject(CROLE, { metadata: { name: 'r' }, rules: [{ nonResourceURLs: ['/healthz'], resources: ['pods'], verbs: ['get'] }] })),
    [['rules[0].nonResourceURLs', 'Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs']]);
  t.deepEqual(shape(validateObject(CROLE, { metadata: { name: 'r' }, aggregationRule: { clusterRoleSelectors: [] } })).map((c) => c[0]), ['aggregationRule.clusterRoleSelectors']);
});

test('bindings: roleRef group and kind, subject kinds, service account namespaces, immutable roleRef', (t) => {
  const b = (roleRef: object, subjects: object[] = []) => ({ metadata: { name: 'b' }, roleRef, subjects });
  const ref = { apiGroup: RBAC, kind: 'Role', name: 'r' };
  t.deepEqual(shape(validateObject(RB, b({ ...ref, kind: 'Policy' }))), [['roleRef.kind', 'Unsupported value: "Policy": supported values: "Role", "ClusterRole"']]);
  t.deepEqual(shape(validateObject(CRB, b(ref))), [['roleRef.kind', 'Unsupported value: "Role": supported values: "ClusterRole"']]);
  t.deepEqual(shape(validateObject(RB, b({ ...ref, apiGroup: 'rbac' }))), [['roleRef.apiGroup', 'Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"']]);
  t.deepEqual(shape(validateObject(RB, b({ ...ref, name: '' }))), [['roleRef.name', 'Required value']]);
  t.deepEqual(shape(validateObject(RB, b(ref, [{ kind: 'Robot', name: 'x' }]))), [['subjects[0].kind', 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']]);
  t.deepEqual(shape(validateObject(RB, b(ref, [{ kind: 'User', apiGroup: '', name: 'x' }]))), [['subjects[0].apiGroup', 'Unsupported value: "": supported values: "rbac.authorization.k8s.io"']]);
  t.deepEqual(shape(validateObject(RB, b(ref, [{ kind: 'ServiceAccount', apiGroup: RBAC, name: 'x' }]))), [['subjects[0].apiGroup', 'Unsupported value: "rbac.authorization.k8s.io": supported values: ""']]);
  t.deepEqual(shape(validateObject(CRB, b({ ...ref, kind: 'ClusterRole' }, [{ kind: 'ServiceAccount', name: 'x' }]))), [['subjects[0].namespace', 'Required value']]);
  t.deepEqual(shape(validateObject(RB, b(ref, [{ kind: 'User', apiGroup: RBAC }]))), [['subjects[0].name', 'Required value']]);
  const cs = validateObject(RB, b({ ...ref, name: 'other' }), b(ref));
  t.deepEqual(cs.map((c) => [c.field, c.reason]), [['roleRef', 'FieldValueInvalid']]);
  t.true(cs[0]!.message.endsWith(': cannot change roleRef'));
  t.deepEqual(validateObject(RB, b(ref, [{ kind: 'User', apiGroup: RBAC, name: 'new' }]), b(ref)), []);
});

test('pod disruption budgets: minAvailable xor maxUnavailable, int or percent up to 100%', (t) => {
  const pdb = (spec: object) => validateObject(PDB, { metadata: { name: 'p' }, spec: { selector: { matchLabels: { a: 'b' } }, ...spec } });
  t.deepEqual(pdb({ minAvailable: 1, maxUnavailable: 1 }).map((c) => [c.field, c.message.replace(/^Invalid value: .*?: (?=minAvailable)/, '')]), [['spec', 'minAvailable and maxUnavailable cannot be both set']]);
  t.deepEqual(shape(pdb({ minAvailable: -1 })), [['spec.minAvailable', 'Invalid value: -1: must be greater than or equal to 0']]);
  t.deepEqual(shape(pdb({ maxUnavailable: '120%' })), [['spec.maxUnavailable', 'Invalid value: "120%": must not be greater than 100%']]);
  t.deepEqual(shape(pdb({ maxUnavailable: 'half' })).map((c) => c[0]), ['spec.maxUnavailable']);
  t.deepEqual(shape(pdb({ unhealthyPodEvictionPolicy: 'Never' })), [['spec.unhealthyPodEvictionPolicy', 'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']]);
  t.deepEqual(shape(pdb({ minAvailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } })).map((c) => c[0]), ['spec.selector.matchExpressions[0].operator']);
});
