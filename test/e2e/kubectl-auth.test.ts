// The stock kubectl against `skiff server` with a static token file: a limited user gets
// Forbidden, `auth can-i` and `auth whoami` answer, `create token` mints a ServiceAccount
// JWT that authenticates until its ServiceAccount is deleted; --as/--as-group impersonate
// (RBAC, can-i and whoami follow), and TokenReview/SubjectAccessReview answer in upstream
// JSON. (Anonymous requests are covered by the unit tests: kubectl with no credentials
// prompts for a password instead of sending one.) Run `npm run build:js` first.
import anyTest, { type TestFn } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, removeDir, startServer, type RunningServer } from './skiff-server.js';

const test = anyTest as TestFn<{ server: RunningServer; tmp: string; aliceToken: string }>;

test.before(async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'skiff-e2e-auth-'));
  t.context.tmp = tmp;
  t.context.aliceToken = randomBytes(16).toString('hex');
  await writeFile(join(tmp, 'tokens.csv'), `${t.context.aliceToken},alice,uid-alice,"devs"\n`, { mode: 0o600 });
  t.context.server = await startServer(['--token-auth-file', join(tmp, 'tokens.csv')]);
});
test.after.always(async (t) => {
  const s = t.context.server;
  if (s) {
    await s.stop();
    await removeDir(s.dir);
  }
  if (t.context.tmp) await removeDir(t.context.tmp);
});

const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;

/** A kubeconfig with the server's CA and a bearer token, no client certificate (so the token is what authenticates). */
async function tokenKubeconfig(t: { context: { server: RunningServer; tmp: string } }, token: string): Promise<string> {
  const ca = join(t.context.server.dir, 'pki', 'ca.crt');
  await readFile(ca);
  const path = join(t.context.tmp, `${unique('kc')}.yaml`);
  await writeFile(path, `apiVersion: v1
kind: Config
clusters: [{name: skiff, cluster: {server: ${t.context.server.url}, certificate-authority: ${ca}}}]
users: [{name: u, user: {token: ${token}}}]
contexts: [{name: u, context: {cluster: skiff, user: u}}]
current-context: u
`, { mode: 0o600 });
  return path;
}

async function namespace(t: any, kc: string): Promise<string> {
  const ns = unique('auth');
  const created = await kubectl(kc, ['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  t.is(created.code, 0, created.stderr);
  t.teardown(async () => { await kubectl(kc, ['delete', 'namespace', ns, '--wait=false']); });
  return ns;
}

/** Retries a kubectl run until `done` holds: RBAC takes a new binding from its watch event. */
async function until(run: () => ReturnType<typeof kubectl>, done: (r: Awaited<ReturnType<typeof kubectl>>) => boolean) {
  for (;;) {
    const r = await run();
    if (done(r)) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('a token user bound to view: get works, create is Forbidden, auth can-i and whoami say so', async (t) => {
  const admin = t.context.server.kubeconfig;
  const ns = await namespace(t, admin);
  const alice = await tokenKubeconfig(t, t.context.aliceToken);
  const before = await kubectl(alice, ['-n', ns, 'get', 'pods']);
  t.not(before.code, 0);
  t.regex(before.stderr, new RegExp(`Error from server \\(Forbidden\\): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "${ns}"`));
  const bound = await kubectl(admin, ['-n', ns, 'create', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
`);
  t.is(bound.code, 0, bound.stderr);
  const canList = await until(() => kubectl(alice, ['-n', ns, 'auth', 'can-i', 'list', 'pods']), (r) => r.code === 0);
  t.is(canList.stdout.trim(), 'yes');
  const canCreate = await kubectl(alice, ['-n', ns, 'auth', 'can-i', 'create', 'configmaps']);
  t.is(canCreate.code, 1);
  t.is(canCreate.stdout.trim(), 'no');
  const list = await kubectl(alice, ['-n', ns, 'get', 'pods']);
  t.is(list.code, 0, list.stderr);
  const create = await kubectl(alice, ['-n', ns, 'create', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n');
  t.not(create.code, 0);
  t.regex(create.stderr, new RegExp(`configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`));
  const whoami = await kubectl(alice, ['auth', 'whoami', '-o', 'json']);
  t.is(whoami.code, 0, whoami.stderr);
  t.like(JSON.parse(whoami.stdout).status.userInfo, { username: 'alice', groups: ['devs', 'system:authenticated'] });
  const adminCan = await kubectl(admin, ['auth', 'can-i', '*', '*']);
  t.is(adminCan.stdout.trim(), 'yes', 'admin is in system:masters');
});

test('kubectl create token: a JWT that authenticates as the ServiceAccount', async (t) => {
  const admin = t.context.server.kubeconfig;
  const ns = await namespace(t, admin);
  // The namespace's `default` ServiceAccount comes from its watch event.
  await until(() => kubectl(admin, ['-n', ns, 'get', 'serviceaccount', 'default']), (r) => r.code === 0);
  const token = await kubectl(admin, ['-n', ns, 'create', 'token', 'default', '--duration', '20m']);
  t.is(token.code, 0, token.stderr);
  t.regex(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const sa = await tokenKubeconfig(t, token.stdout.trim());
  const whoami = await kubectl(sa, ['auth', 'whoami', '-o', 'json']);
  t.is(whoami.code, 0, whoami.stderr);
  t.is(JSON.parse(whoami.stdout).status.userInfo.username, `system:serviceaccount:${ns}:default`);
  const secrets = await kubectl(sa, ['-n', ns, 'get', 'secrets']);
  t.regex(secrets.stderr, new RegExp(`secrets is forbidden: User "system:serviceaccount:${ns}:default" cannot list resource "secrets"`));
  const bogus = await tokenKubeconfig(t, `${token.stdout.trim().slice(0, -4)}AAAA`);
  const rejected = await kubectl(bogus, ['get', 'pods']);
  t.regex(rejected.stderr, /Unauthorized/);
});

test('kubectl delete serviceaccount revokes the tokens kubectl create token minted for it', async (t) => {
  const admin = t.context.server.kubeconfig;
  const ns = await namespace(t, admin);
  const created = await kubectl(admin, ['-n', ns, 'create', 'serviceaccount', 'robot']);
  t.is(created.code, 0, created.stderr);
  const token = await kubectl(admin, ['-n', ns, 'create', 'token', 'robot']);
  t.is(token.code, 0, token.stderr);
  const sa = await tokenKubeconfig(t, token.stdout.trim());
  const whoami = await kubectl(sa, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  t.is(whoami.code, 0, whoami.stderr);
  t.is(whoami.stdout, `system:serviceaccount:${ns}:robot`);
  const deleted = await kubectl(admin, ['-n', ns, 'delete', 'serviceaccount', 'robot']);
  t.is(deleted.code, 0, deleted.stderr);
  // The token check reads a cache that takes the delete from its watch event.
  const revoked = await until(() => kubectl(sa, ['auth', 'whoami']), (r) => r.code !== 0);
  t.regex(revoked.stderr, /Unauthorized/);
  const review = await kubectl(admin, ['create', '-f', '-', '-o', 'json'],
    JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.stdout.trim() } }));
  t.deepEqual(JSON.parse(review.stdout).status, { user: {}, error: 'serviceaccounts "robot" not found' });
});

test('kubernetes Service in default with a ClusterIP; Services get ClusterIPs and NodePorts', async (t) => {
  const admin = t.context.server.kubeconfig;
  const svc = await kubectl(admin, ['-n', 'default', 'get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
  t.is(svc.stdout, '10.96.0.1');
  const ns = await namespace(t, admin);
  const created = await kubectl(admin, ['-n', ns, 'create', '-f', '-', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}'],
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80}]}\n');
  t.is(created.code, 0, created.stderr);
  const [ip, port] = created.stdout.trim().split(' ');
  t.regex(ip!, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  t.true(Number(port) >= 30000 && Number(port) <= 32767);
});

test('kubectl --as: can-i follows the impersonated user or ServiceAccount; get is Forbidden as them', async (t) => {
  const admin = t.context.server.kubeconfig;
  const ns = await namespace(t, admin);
  const bound = await kubectl(admin, ['-n', ns, 'create', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: robot-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: robot, namespace: ${ns}}]
`);
  t.is(bound.code, 0, bound.stderr);
  const limited = await kubectl(admin, ['-n', ns, 'auth', 'can-i', 'create', 'pods', '--as=limited-user']);
  t.is(limited.code, 1);
  t.is(limited.stdout.trim(), 'no');
  const robot = await until(() => kubectl(admin, ['-n', ns, 'auth', 'can-i', 'create', 'pods', `--as=system:serviceaccount:${ns}:robot`]), (r) => r.code === 0);
  t.is(robot.stdout.trim(), 'yes');
  const elsewhere = await kubectl(admin, ['-n', 'default', 'auth', 'can-i', 'create', 'pods', `--as=system:serviceaccount:${ns}:robot`]);
  t.is(elsewhere.stdout.trim(), 'no', 'the RoleBinding is per namespace');
  const get = await kubectl(admin, ['-n', ns, 'get', 'pods', '--as=limited-user']);
  t.not(get.code, 0);
  t.regex(get.stderr, new RegExp(`pods is forbidden: User "limited-user" cannot list resource "pods" in API group "" in the namespace "${ns}"`));
  const whoami = await kubectl(admin, ['auth', 'whoami', '-o', 'json', '--as=someone', '--as-group=team-a']);
  t.is(whoami.code, 0, whoami.stderr);
  t.deepEqual(JSON.parse(whoami.stdout).status.userInfo, { username: 'someone', groups: ['team-a', 'system:authenticated'] });
});

test('a token user without the impersonate verb: --as is Forbidden', async (t) => {
  const alice = await tokenKubeconfig(t, t.context.aliceToken);
  // Discovery first, as alice herself: kubectl sends --as on its discovery requests too, and a
  // 403 there prints only "Forbidden: unknown" (upstream's apiserver and kubectl alike), so the
  // message below shows only once the discovery cache is warm (whichever test warmed it before).
  t.is((await kubectl(alice, ['api-resources'])).code, 0);
  const r = await kubectl(alice, ['get', 'pods', '-n', 'default', '--as=admin-wannabe']);
  t.not(r.code, 0);
  t.regex(r.stderr, /users "admin-wannabe" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
});

test('TokenReview of a token from kubectl create token, and a SubjectAccessReview, through kubectl', async (t) => {
  const admin = t.context.server.kubeconfig;
  const ns = await namespace(t, admin);
  await until(() => kubectl(admin, ['-n', ns, 'get', 'serviceaccount', 'default']), (r) => r.code === 0);
  const token = await kubectl(admin, ['-n', ns, 'create', 'token', 'default']);
  t.is(token.code, 0, token.stderr);
  // `create -f` finds the reviews in discovery and validates them against the served OpenAPI.
  const review = await kubectl(admin, ['create', '-f', '-', '-o', 'json'],
    JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.stdout.trim() } }));
  t.is(review.code, 0, review.stderr);
  const status = JSON.parse(review.stdout).status;
  t.true(status.authenticated);
  t.like(status.user, { username: `system:serviceaccount:${ns}:default`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
  const bogus = await kubectl(admin, ['create', '-f', '-', '-o', 'json'],
    JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'not-a-token' } }));
  t.deepEqual(JSON.parse(bogus.stdout).status, { user: {}, error: 'invalid bearer token' });
  const sar = await kubectl(admin, ['create', '-f', '-', '-o', 'json'], JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
    spec: { user: `system:serviceaccount:${ns}:default`, groups: ['system:serviceaccounts'], resourceAttributes: { namespace: ns, verb: 'list', resource: 'secrets' } },
  }));
  t.is(sar.code, 0, sar.stderr);
  t.deepEqual(JSON.parse(sar.stdout).status, { allowed: false });
  const masters = await kubectl(admin, ['create', '-f', '-', '-o', 'json'], JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'x', groups: ['system:masters'], nonResourceAttributes: { path: '/metrics', verb: 'get' } },
  }));
  t.true(JSON.parse(masters.stdout).status.allowed);
});
