// The stock kubectl against `skiff server` with a static token file: a limited user gets
// Forbidden, `auth can-i` and `auth whoami` answer, `create token` mints a ServiceAccount
// JWT that authenticates. (Anonymous requests are covered by the unit tests: kubectl with no
// credentials prompts for a password instead of sending one.) Run `npm run build:js` first.
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
