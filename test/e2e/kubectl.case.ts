// The stock kubectl (v1.32) against `node dist/cli/skiff.js server`, as cases a runner calls
// per store backend (kubectl.test.ts: SQLite, kubectl-etcd.test.ts: etcd). Run
// `npm run build:js` first. Each test works in its own namespace of one shared server.
import type { TestFn } from 'ava';
import { randomBytes } from 'node:crypto';
import { disposeServer, openBackend, type Backend, type BackendName } from './backends.js';
import { kubectl, kubectlStream, type RunningServer } from './skiff-server.js';

interface Context { backend: Backend; server: RunningServer }

const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;

async function namespace(t: { context: { server: RunningServer }; teardown(fn: () => Promise<void>): void; is(a: unknown, b: unknown, m?: string): void }): Promise<(args: string[], stdin?: string) => ReturnType<typeof kubectl>> {
  const ns = unique('e2e');
  const kc = t.context.server.kubeconfig;
  // (not `create namespace`: kubectl's generators send protobuf bodies, which this server does not decode yet)
  const created = await kubectl(kc, ['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  t.is(created.code, 0, created.stderr);
  t.teardown(async () => { await kubectl(kc, ['delete', 'namespace', ns, '--wait=false']); });
  return (args, stdin) => kubectl(kc, ['-n', ns, ...args], stdin);
}

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n`;

const podYaml = (name: string, labels = 'tier: fe') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  containers: [{name: c, image: busybox}]
`;

const deploymentYaml = (name: string, image: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 80}]
`;

/** Registers the kubectl scenarios on `anyTest`, against one server on backend `name`. */
export function kubectlCases(anyTest: TestFn, name: BackendName): void {
  const test = anyTest as TestFn<Context>;

  test.before(async (t) => {
    t.context.backend = await openBackend(name);
    t.context.server = await t.context.backend.start();
  });
  test.after.always(async (t) => {
    await disposeServer(t.context.server);
    await t.context.backend?.close();
  });

  test('create -f, get -o yaml / -o jsonpath, describe, label, annotate, delete', async (t) => {
    const k = await namespace(t);
    const created = await k(['create', '-f', '-'], podYaml('p1'));
    t.is(created.code, 0, created.stderr);
    t.regex(created.stdout, /pod\/p1 created/);
    const yaml = await k(['get', 'pod', 'p1', '-o', 'yaml']);
    t.is(yaml.code, 0, yaml.stderr);
    t.regex(yaml.stdout, /uid: [0-9a-f-]{36}/);
    t.regex(yaml.stdout, /phase: Pending/);
    const jp = await k(['get', 'pod', 'p1', '-o', 'jsonpath={.metadata.labels.tier}']);
    t.is(jp.stdout, 'fe');
    const desc = await k(['describe', 'pod', 'p1']);
    t.is(desc.code, 0, desc.stderr);
    t.regex(desc.stdout, /Name:\s+p1/);
    t.is((await k(['label', 'pod', 'p1', 'env=prod'])).code, 0);
    t.is((await k(['annotate', 'pod', 'p1', 'note=hello'])).code, 0);
    const after = await k(['get', 'pod', 'p1', '-o', 'jsonpath={.metadata.labels.env} {.metadata.annotations.note}']);
    t.is(after.stdout, 'prod hello');
    const byLabel = await k(['get', 'pods', '-l', 'env in (prod),tier', '-o', 'name']);
    t.is(byLabel.stdout.trim(), 'pod/p1');
    const del = await k(['delete', 'pod', 'p1']);
    t.is(del.code, 0, del.stderr);
    const gone = await k(['get', 'pod', 'p1']);
    t.not(gone.code, 0);
    t.regex(gone.stderr, /NotFound|not found/);
  });

  test('--field-selector: supported fields filter, unknown ones are a 400', async (t) => {
    const k = await namespace(t);
    t.is((await k(['create', '-f', '-'], podYaml('a'))).code, 0);
    t.is((await k(['create', '-f', '-'], podYaml('b'))).code, 0);
    const one = await k(['get', 'pods', '--field-selector', 'metadata.name=b,status.phase=Pending', '-o', 'name']);
    t.is(one.stdout.trim(), 'pod/b');
    const none = await k(['get', 'pods', '--field-selector', 'spec.nodeName=elsewhere', '-o', 'name']);
    t.is(none.stdout.trim(), '');
    const bad = await k(['get', 'pods', '--field-selector', 'spec.bogus=x']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /BadRequest.*field label not supported: spec\.bogus/);
  });

  test('apply twice (changing a field) configures; scale sets replicas through the scale subresource', async (t) => {
    const k = await namespace(t);
    const first = await k(['apply', '-f', '-'], deploymentYaml('web', 'nginx:1'));
    t.is(first.code, 0, first.stderr);
    t.regex(first.stdout, /deployment.apps\/web created/);
    const second = await k(['apply', '-f', '-'], deploymentYaml('web', 'nginx:2'));
    t.is(second.code, 0, second.stderr);
    t.regex(second.stdout, /deployment.apps\/web configured/);
    const got = await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}']);
    t.is(got.stdout, 'nginx:2 2');
    const unchanged = await k(['apply', '-f', '-'], deploymentYaml('web', 'nginx:2'));
    t.regex(unchanged.stdout, /unchanged/);
    const scaled = await k(['scale', 'deployment', 'web', '--replicas=3']);
    t.is(scaled.code, 0, scaled.stderr);
    t.is((await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout, '3');
  });

  test('apply --server-side creates, then updates with the same manager', async (t) => {
    const k = await namespace(t);
    const first = await k(['apply', '--server-side', '-f', '-'], deploymentYaml('ssa', 'nginx:1', 2));
    t.is(first.code, 0, first.stderr);
    t.regex(first.stdout, /serverside-applied/);
    const second = await k(['apply', '--server-side', '-f', '-'], deploymentYaml('ssa', 'nginx:3', 2));
    t.is(second.code, 0, second.stderr);
    const got = await k(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    t.is(got.stdout, 'nginx:3');
    const managers = await k(['get', 'deploy', 'ssa', '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}']);
    t.regex(managers.stdout, /kubectl/);
  });

  test('get -w shows additions and deletions as they happen', async (t) => {
    const k = await namespace(t);
    const nsArg = (await k(['create', '-f', '-', '-o', 'jsonpath={.metadata.namespace}'], configMap('first'))).stdout;
    const w = kubectlStream(t.context.server.kubeconfig, ['-n', nsArg, 'get', 'configmaps', '-w', '--output-watch-events']);
    t.teardown(() => w.stop());
    await w.waitFor(/ADDED\s+first/);
    t.is((await k(['create', '-f', '-'], configMap('second'))).code, 0);
    await w.waitFor(/ADDED\s+second/);
    t.is((await k(['delete', 'configmap', 'first'])).code, 0);
    await w.waitFor(/DELETED\s+first/);
    t.pass();
  });

  test('get -w --request-timeout ends the watch by itself', async (t) => {
    const k = await namespace(t);
    const nsArg = (await k(['create', '-f', '-', '-o', 'jsonpath={.metadata.namespace}'], configMap('x'))).stdout;
    const w = kubectlStream(t.context.server.kubeconfig, ['-n', nsArg, 'get', 'configmaps', '-w', '--request-timeout=2s']);
    t.teardown(() => w.stop());
    await w.exited;
    t.regex(w.output, /x\s/);
  });

  test('explain reads the served OpenAPI', async (t) => {
    const r = await kubectl(t.context.server.kubeconfig, ['explain', 'deployment.spec.replicas']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /replicas\s+<integer>/);
  });

  test('api-resources and api-versions come from discovery', async (t) => {
    const r = await kubectl(t.context.server.kubeconfig, ['api-resources', '-o', 'name']);
    t.is(r.code, 0, r.stderr);
    for (const name of ['pods', 'deployments.apps', 'leases.coordination.k8s.io', 'roles.rbac.authorization.k8s.io']) t.true(r.stdout.split('\n').includes(name), name);
    const v = await kubectl(t.context.server.kubeconfig, ['api-versions']);
    t.regex(v.stdout, /^apps\/v1$/m);
  });

  test('bad input: an invalid object kind and malformed YAML get Status errors', async (t) => {
    const k = await namespace(t);
    const bad = await k(['create', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: [oops]}\n');
    t.not(bad.code, 0);
    // --validate=false: kubectl's client-side fallback for unknown kinds wants protobuf OpenAPI v2.
    const unknown = await k(['create', '--validate=false', '-f', '-'], 'apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n');
    t.not(unknown.code, 0);
    t.regex(unknown.stderr, /no matches for kind "Gizmo"/);
  });

  test('get prints the columns kubectl users know', async (t) => {
    const k = await namespace(t);
    t.is((await k(['create', '-f', '-'], podYaml('cols'))).code, 0);
    const out = await k(['get', 'pods']);
    t.regex(out.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    t.regex(out.stdout, /^cols\s+0\/1\s+Pending\s+0\s+/m);
  });

  test('state survives kill -9: objects acknowledged before the kill are there after a restart', async (t) => {
    const first = await t.context.backend.start();
    t.teardown(() => disposeServer(first, 'SIGKILL'));
    const ns = unique('keep');
    const made = await kubectl(first.kubeconfig, ['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
    t.is(made.code, 0, made.stderr);
    t.is((await kubectl(first.kubeconfig, ['-n', ns, 'create', '-f', '-'], configMap('kept'))).code, 0);
    await first.stop('SIGKILL');
    const second = await t.context.backend.start({ dir: first.dir });
    t.teardown(() => second.stop());
    const got = await kubectl(second.kubeconfig, ['-n', ns, 'get', 'configmap', 'kept', '-o', 'jsonpath={.data.k}']);
    t.is(got.code, 0, got.stderr);
    t.is(got.stdout, 'v');
  });
}
