// Attacker scripts against RBAC escalation, with the stock kubectl: a user allowed to write
// Roles and bindings in one namespace, or ClusterRoleBindings, tries to grant himself more
// than he holds. Upstream answers each with 403 "attempting to grant RBAC permissions not
// currently held" (pkg/registry/rbac/*/policybased). Run `npm run build:js` first.
import anyTest, { type TestFn } from 'ava';
import { kubectl } from '../skiff-server.js';
import { startLab, unique, until, type Lab } from './attacker.js';

const test = anyTest as TestFn<{ lab: Lab; ns: string; mallory: string }>;
const NOT_HELD = /is forbidden: user "mallory" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/;

test.before(async (t) => {
  const lab = await startLab(['mallory']);
  t.context.lab = lab;
  const ns = unique('sec-rbac');
  t.context.ns = ns;
  const setup = [
    ['create', 'namespace', ns],
    // What a namespace delegate typically gets: write Roles and RoleBindings (no escalate, no bind).
    ['-n', ns, 'create', 'role', 'rbac-writer', '--verb=get,list,create,update,patch,delete', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io'],
    ['-n', ns, 'create', 'rolebinding', 'mallory-writer', '--role=rbac-writer', '--user=mallory'],
    ['create', 'clusterrole', 'crb-writer', '--verb=get,create,patch', '--resource=clusterrolebindings.rbac.authorization.k8s.io,clusterroles.rbac.authorization.k8s.io'],
    ['create', 'clusterrolebinding', 'mallory-crb-writer', '--clusterrole=crb-writer', '--user=mallory'],
  ];
  for (const args of setup) {
    const r = await lab.admin(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  t.context.mallory = await lab.tokenKubeconfig('mallory');
  await until(() => kubectl(t.context.mallory, ['auth', 'can-i', 'create', 'clusterrolebindings']), (r) => r.code === 0);
  await until(() => kubectl(t.context.mallory, ['-n', ns, 'auth', 'can-i', 'create', 'rolebindings']), (r) => r.code === 0);
});
test.after.always(async (t) => { await t.context.lab?.stop(); });

test('a RoleBinding writer cannot bind himself to cluster-admin', async (t) => {
  const { mallory, ns } = t.context;
  const r = await kubectl(mallory, ['-n', ns, 'create', 'rolebinding', 'pwn', '--clusterrole=cluster-admin', '--user=mallory']);
  t.not(r.code, 0);
  t.regex(r.stderr, /rolebindings\.rbac\.authorization\.k8s\.io "pwn" is forbidden/);
  t.regex(r.stderr, NOT_HELD);
  t.regex(r.stderr, /\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
  t.not((await kubectl(mallory, ['-n', ns, 'auth', 'can-i', 'get', 'secrets'])).code, 0, 'and he still cannot read secrets');
});

test('a Role writer cannot create a Role with * on secrets, nor widen his own Role by patch, edit or apply', async (t) => {
  const { lab, mallory, ns } = t.context;
  const created = await kubectl(mallory, ['-n', ns, 'create', 'role', 'secrets-all', '--verb=*', '--resource=secrets']);
  t.not(created.code, 0);
  t.regex(created.stderr, NOT_HELD);
  t.regex(created.stderr, /\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["\*"\]\}/);
  const patched = await kubectl(mallory, ['-n', ns, 'patch', 'role', 'rbac-writer', '--type=json', '-p', '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}}]']);
  t.not(patched.code, 0);
  t.regex(patched.stderr, /roles\.rbac\.authorization\.k8s\.io "rbac-writer" is forbidden: user "mallory"/);
  const applied = await kubectl(mallory, ['-n', ns, 'apply', '--server-side', '--force-conflicts', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rbac-writer}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
`);
  t.not(applied.code, 0);
  t.regex(applied.stderr, NOT_HELD);
  const role = await lab.admin(['-n', ns, 'get', 'role', 'rbac-writer', '-o', 'jsonpath={.rules[*].resources}']);
  t.notRegex(role.stdout, /secrets/, 'the Role is unchanged');
});

test('a ClusterRoleBinding writer cannot become cluster-admin, nor set an aggregationRule', async (t) => {
  const { mallory } = t.context;
  const crb = await kubectl(mallory, ['create', 'clusterrolebinding', unique('pwn'), '--clusterrole=cluster-admin', '--user=mallory']);
  t.not(crb.code, 0);
  t.regex(crb.stderr, /clusterrolebindings\.rbac\.authorization\.k8s\.io "pwn-[0-9a-f]+" is forbidden/);
  t.regex(crb.stderr, NOT_HELD);
  const name = unique('gather');
  const agg = await kubectl(mallory, ['create', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${name}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}}]}
rules: []
`);
  t.not(agg.code, 0);
  t.regex(agg.stderr, new RegExp(`clusterroles\\.rbac\\.authorization\\.k8s\\.io "${name}" is forbidden: must have cluster-admin privileges to use the aggregationRule`));
});

test('a RoleBinding writer cannot add himself to an existing binding of a role he does not hold', async (t) => {
  const { lab, mallory, ns } = t.context;
  const created = await lab.admin(['-n', ns, 'create', 'rolebinding', 'carol-admin', '--clusterrole=admin', '--user=carol']);
  t.is(created.code, 0, created.stderr);
  const r = await kubectl(mallory, ['-n', ns, 'patch', 'rolebinding', 'carol-admin', '--type=json', '-p', '[{"op":"add","path":"/subjects/-","value":{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"mallory"}}]']);
  t.not(r.code, 0);
  t.regex(r.stderr, /rolebindings\.rbac\.authorization\.k8s\.io "carol-admin" is forbidden: user "mallory"/);
  t.regex(r.stderr, NOT_HELD);
  const subjects = await lab.admin(['-n', ns, 'get', 'rolebinding', 'carol-admin', '-o', 'jsonpath={.subjects[*].name}']);
  t.is(subjects.stdout, 'carol');
});
