// The decoder against bytes the real kubectl writes: a tiny HTTPS server in the test answers
// discovery, records the bodies of kubectl's generator commands and answers 201.
import test from 'ava';
import { spawnSync, execFile } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiGroupList, apiResourceList, apiVersions } from '../../../src/apiserver/discovery.js';
import { decodeBody } from '../../../src/apiserver/http/negotiate.js';
import { makePki, type Pki } from '../../../src/apiserver/pki.js';

let pki: Pki | undefined;
const testPki = (): Pki => (pki ??= makePki());

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

interface Captured { method: string; path: string; contentType: string; body: Buffer }

/** Runs `kubectl args` against a recording server; resolves with what it sent. */
async function capture(t: import('ava').ExecutionContext, args: string[]): Promise<Captured[]> {
  const pki = testPki();
  const seen: Captured[] = [];
  const server = createServer({ cert: pki.serving.cert, key: pki.serving.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const parts = path.split('/').filter(Boolean);
      const json = (code: number, obj: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
      if (req.method === 'POST') {
        seen.push({ method: req.method, path, contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
        return json(201, { ...(decodeBody(req.headers['content-type'], Buffer.concat(chunks)) as object) });
      }
      if (path === '/api') return json(200, apiVersions('127.0.0.1'));
      if (path === '/apis') return json(200, apiGroupList());
      if (parts[0] === 'api' && parts.length === 2) return json(200, apiResourceList('', parts[1]!));
      if (parts[0] === 'apis' && parts.length === 3) return json(200, apiResourceList(parts[1]!, parts[2]!));
      json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pb-capture-'));
  t.teardown(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); await rm(dir, { recursive: true, force: true }); });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${(server.address() as AddressInfo).port}", certificate-authority-data: ${b64(pki.ca.cert)}}}]
users: [{name: u, user: {client-certificate-data: ${b64(pki.admin.cert)}, client-key-data: ${b64(pki.admin.key)}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  await new Promise<void>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 60_000 }, (err, _out, stderr) => {
      if (err) t.log(`kubectl ${args.join(' ')}: ${stderr}`);
      resolve();
    });
  });
  return seen;
}

const live = hasKubectl ? test : test.skip;

// Captured from kubectl 1.32 `create namespace pb-capture-ns`: the bytes as they came.
const CAPTURED_NAMESPACE = Buffer.from('6b3873000a0f0a02763112094e616d65737061636512250a1d0a0d70622d636170747572652d6e7312001a0022002a0032003800420012001a020a001a002200', 'hex');

test('the captured kubectl Namespace decodes: empty creationTimestamp left out, zero fields omitted', (t) => {
  t.deepEqual(decodeBody('application/vnd.kubernetes.protobuf', CAPTURED_NAMESPACE),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb-capture-ns' }, spec: {}, status: {} });
});

live('kubectl generators send protobuf that decodes to the objects they describe', async (t) => {
  const ns = ['-n', 'pb-live'];
  const sent = await capture(t, ['create', 'namespace', 'pb-live-ns']);
  sent.push(...await capture(t, ['create', 'configmap', 'cfg', ...ns, '--from-literal=k=v']));
  sent.push(...await capture(t, ['create', 'secret', 'generic', 'sec', ...ns, '--from-literal=password=hunter2']));
  sent.push(...await capture(t, ['create', 'deployment', 'web', ...ns, '--image=busybox', '--replicas=0', '--port=8080']));
  sent.push(...await capture(t, ['create', 'service', 'clusterip', 'svc', ...ns, '--tcp=80:8080']));
  sent.push(...await capture(t, ['create', 'cronjob', 'cj', ...ns, '--image=busybox', '--schedule=*/5 * * * *']));
  t.true(sent.every((s) => s.contentType === 'application/vnd.kubernetes.protobuf'), sent.map((s) => s.contentType).join());
  const [nsObj, cm, secret, deploy, svc, cj] = sent.map((s) => decodeBody(s.contentType, s.body) as any);
  t.is(nsObj.metadata.name, 'pb-live-ns');
  t.deepEqual(cm.data, { k: 'v' });
  t.is(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
  t.is(deploy.spec.replicas, 0);
  t.deepEqual(deploy.spec.template.spec.containers[0].ports, [{ containerPort: 8080 }]);
  t.like(svc.spec.ports[0], { port: 80, targetPort: 8080 });
  t.is(cj.spec.schedule, '*/5 * * * *');
  t.is(cj.kind, 'CronJob');
});
