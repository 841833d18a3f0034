// The audit beyond issue 11's cases (src/apiserver/SECURITY.md), as attacker scripts with the
// stock kubectl and curl against the built `skiff server`: edited continue tokens, path tricks
// and hostile impersonation and Authorization headers. Run `node scripts/build.mjs` first.
import anyTest, { type TestFn } from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startLab, unique, type Lab } from './attacker.js';

const test = anyTest as TestFn<{ lab: Lab; a: string; b: string }>;

test.before(async (t) => {
  const lab = await startLab(['mallory']);
  t.context.lab = lab;
  const [a, b] = [unique('audit-a'), unique('audit-b')];
  Object.assign(t.context, { a, b });
  for (const ns of [a, b]) {
    const r = await lab.admin(['create', 'namespace', ns]);
    if (r.code) throw new Error(r.stderr);
    for (const n of ['c1', 'c2', 'c3']) await lab.admin(['-n', ns, 'create', 'configmap', n, `--from-literal=secret=${ns}-${n}`]);
  }
  await lab.admin(['-n', a, 'create', 'role', 'reader', '--verb=get,list,watch', '--resource=configmaps']);
  await lab.admin(['-n', a, 'create', 'rolebinding', 'reader', '--role=reader', '--user=mallory']);
  await lab.admin(['-n', b, 'create', 'role', 'one', '--verb=get,list,watch', '--resource=configmaps', '--resource-name=c1']);
  await lab.admin(['-n', b, 'create', 'rolebinding', 'one', '--role=one', '--user=mallory']);
});
test.after.always(async (t) => { await t.context.lab?.stop(); });

interface Reply { status: number; body: string }

function curl(lab: Lab, path: string, args: string[] = [], token = lab.tokens.mallory!): Promise<Reply> {
  const auth = token ? ['-H', `Authorization: Bearer ${token}`] : [];
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--path-as-is', '--max-time', '30', '--cacert', join(lab.server.dir, 'pki', 'ca.crt'), '-w', '\n%{http_code}', ...auth, ...args, `${lab.server.url}${path}`],
      { maxBuffer: 16 << 20 }, (_err, stdout) => {
        const i = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
      });
  });
}

const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('an edited continue token reads nothing outside the namespace it was listed in', async (t) => {
  const { lab, a, b } = t.context;
  let first = await curl(lab, `/api/v1/namespaces/${a}/configmaps?limit=1`);
  // RBAC takes the new binding from its watch event.
  while (first.status === 403) first = await new Promise((res) => setTimeout(res, 100)).then(() => curl(lab, `/api/v1/namespaces/${a}/configmaps?limit=1`));
  t.is(first.status, 200, first.body);
  const rv = JSON.parse(first.body).metadata.resourceVersion as string;
  const forged = [
    { v: 'meta.k8s.io/v1', rv: Number(rv), start: `../${b}/\u0000` },
    { v: 'meta.k8s.io/v1', rv: Number(rv), start: `c1/../../${b}/c0\u0000` },
    { v: 'meta.k8s.io/v1', rv: Number(rv), start: `/../../secrets/${b}/\u0000` },
    { v: 'meta.k8s.io/v1', rv: 0, start: 'c1\u0000' },
    { v: 'meta.k8s.io/v1', rv: 1.5, start: 'c1\u0000' },
    null,
  ];
  for (const f of forged) {
    const r = await curl(lab, `/api/v1/namespaces/${a}/configmaps?limit=1&continue=${token(f)}`);
    t.is(r.status, 400, `${JSON.stringify(f)}: ${r.body}`);
    t.notRegex(r.body, new RegExp(`${b}-c`), "no data of the other namespace");
  }
  // A start key that sorts past every key of the namespace stays inside it: nothing more.
  const past = await curl(lab, `/api/v1/namespaces/${a}/configmaps?limit=10&continue=${token({ v: 'meta.k8s.io/v1', rv: Number(rv), start: '\uffff\u0000' })}`);
  t.is(past.status, 200, past.body);
  t.deepEqual(JSON.parse(past.body).items, []);
});

test('kubectl pages through ClusterRoles whose names hold ".."', async (t) => {
  const { lab } = t.context;
  const names = [unique('zz..a'), unique('zz..b')];
  for (const n of names) t.is((await lab.admin(['create', 'clusterrole', n, '--verb=get', '--resource=pods'])).code, 0);
  t.teardown(async () => { await lab.admin(['delete', 'clusterrole', ...names]); });
  const r = await lab.admin(['get', 'clusterroles', '--chunk-size=1', '-o', 'name']);
  t.is(r.code, 0, r.stderr);
  for (const n of names) t.true(r.stdout.includes(`clusterrole.rbac.authorization.k8s.io/${n}\n`), n);
});

test('dot segments and doubled slashes are authorized as the path they are served as', async (t) => {
  const { lab, a, b } = t.context;
  for (const path of [`/api/v1/namespaces/${a}/../${b}/configmaps`, `/api/v1/namespaces/${a}/configmaps/../../${b}/configmaps`,
    `/api/v1/namespaces/${a}/%2e%2e/${b}/configmaps`, `/api/v1//namespaces/${b}/configmaps`, `/api/v1/namespaces/${a}/configmaps/c1/../../../${b}/configmaps/c2`]) {
    const r = await curl(lab, path);
    t.is(r.status, 403, `${path}: ${r.body}`);
    t.notRegex(r.body, new RegExp(`${b}-c`), path);
  }
  t.is((await curl(lab, `/api/v1/namespaces/${b}/../${a}/configmaps`)).status, 200);
  t.is((await curl(lab, `/api/v1/namespaces/${a}/configmaps/a%2Fb`)).status, 404);
});

test('Impersonate-Extra keys named like Object.prototype members, and a bearer token after two spaces', async (t) => {
  const { lab, a } = t.context;
  const admin = ['--cert', join(lab.server.dir, 'pki', 'admin.crt'), '--key', join(lab.server.dir, 'pki', 'admin.key')];
  const review = ['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'];
  const r = await curl(lab, '/apis/authentication.k8s.io/v1/selfsubjectreviews', [...admin, ...review, '-H', 'Impersonate-User: someone',
    '-H', 'Impersonate-Extra-constructor: a', '-H', 'Impersonate-Extra-__proto__: b', '-H', 'Impersonate-Extra-toString: c'], '');
  t.is(r.status, 201, r.body);
  const extra = JSON.parse(r.body).status.userInfo.extra as Record<string, string[]>;
  t.deepEqual(Object.entries(extra).sort(), [['__proto__', ['b']], ['constructor', ['a']], ['tostring', ['c']]]);
  const spaced = await curl(lab, `/api/v1/namespaces/${a}/configmaps`, ['-H', `Authorization: Bearer  ${lab.tokens.mallory}`], '');
  t.is(spaced.status, 403, 'two spaces: no token, so system:anonymous');
});

test('RBAC resourceNames on one ConfigMap list that one only, escaped commas or not', async (t) => {
  const { lab, b } = t.context;
  const list = (selector: string) => curl(lab, `/api/v1/namespaces/${b}/configmaps?fieldSelector=${encodeURIComponent(selector)}`);
  let one = await list('metadata.name=c1');
  while (one.status === 403) one = await new Promise((res) => setTimeout(res, 100)).then(() => list('metadata.name=c1'));
  t.deepEqual(JSON.parse(one.body).items.map((i: { metadata: { name: string } }) => i.metadata.name), ['c1']);
  // One requirement on metadata.namespace that every ConfigMap meets: it listed all of them.
  const escaped = await list('metadata.namespace!=x\\,metadata.name=c1');
  t.is(escaped.status, 403, escaped.body);
  t.notRegex(escaped.body, new RegExp(`${b}-c2`));
});
