import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { definitionFor, openapiV2, openapiV3, openapiV3Index } from '../../../src/api/openapi.js';
import { groupVersion, RESOURCES } from '../../../src/api/resources.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';

test('every served kind has a definition tagged with its GVK', (t) => {
  const doc: any = openapiV2();
  for (const r of RESOURCES) {
    const name = definitionFor(r);
    t.truthy(name, `${r.kind} ${groupVersion(r)}`);
    t.deepEqual(doc.definitions[name!]['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }]);
  }
});

test('v2 references resolve and carry descriptions, merge keys and list types', (t) => {
  const doc: any = openapiV2();
  const missing: string[] = [];
  JSON.stringify(doc, (k, v) => {
    if (k === '$ref' && typeof v === 'string' && !doc.definitions[v.replace('#/definitions/', '')]) missing.push(v);
    return v;
  });
  t.deepEqual(missing, []);
  const containers = doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
  t.is(containers['x-kubernetes-patch-merge-key'], 'name');
  t.is(containers['x-kubernetes-patch-strategy'], 'merge');
  t.is(containers['x-kubernetes-list-type'], 'map');
  t.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  t.regex(containers.description, /containers belonging to the pod/i);
  t.deepEqual(doc.definitions['io.k8s.api.core.v1.Container'].required, ['name']);
  t.deepEqual(doc.definitions['io.k8s.api.core.v1.ServiceSpec'].properties.ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
});

test('v3 index lists each served group/version with a hashed URL that serves its document', (t) => {
  const index: any = openapiV3Index();
  t.truthy(index.paths['api/v1']);
  t.regex(index.paths['apis/apps/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  const apps: any = openapiV3('apis/apps/v1');
  t.is(apps, openapiV3('apps/v1'));
  t.is(apps.openapi, '3.0.0');
  t.truthy(apps.components.schemas['io.k8s.api.apps.v1.Deployment']);
  t.truthy(apps.components.schemas['io.k8s.api.core.v1.PodSpec']);
  t.falsy(apps.components.schemas['io.k8s.api.core.v1.Service']);
  t.is(openapiV3('apis/nope.example.com/v1'), undefined);
});

test('v3 declares server-side field validation on PATCH, as kubectl checks before validating', (t) => {
  const core: any = openapiV3('api/v1');
  const patch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
  t.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
  t.true(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
});

// kubectl explain against a server that serves only legacy discovery and our OpenAPI v3.
async function fakeServer(t: ExecutionContext): Promise<string> {
  const gvs = [...new Set(RESOURCES.map(groupVersion))];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (body: unknown, code = 200) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const p = url.pathname;
    if (p === '/api') return send({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/apis') {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((name) => {
        const versions = gvs.filter((gv) => gv.startsWith(`${name}/`)).map((gv) => ({ groupVersion: gv, version: gv.split('/')[1] }));
        return { name, versions, preferredVersion: versions[0] };
      });
      return send({ kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const gv = p === '/api/v1' ? 'v1' : p.startsWith('/apis/') ? p.slice(6) : undefined;
    if (gv && gvs.includes(gv)) {
      const resources = RESOURCES.filter((r) => groupVersion(r) === gv).map((r) => ({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list'], shortNames: r.shortNames }));
      return send({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
    }
    if (p === '/openapi/v3') return send(openapiV3Index());
    if (p.startsWith('/openapi/v3/')) {
      const doc = openapiV3(p.slice('/openapi/v3/'.length));
      return doc ? send(doc) : send({ kind: 'Status', code: 404 }, 404);
    }
    if (p === '/version') return send({ major: '1', minor: '32', gitVersion: 'v1.32.0' });
    send({ kind: 'Status', code: 404 }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** kubectl explain against `server`, with a discovery cache of its own that the test removes. */
async function explainer(t: ExecutionContext, server: string): Promise<(what: string) => Promise<string>> {
  const cache = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  return async (what) => (await run(KUBECTL, ['--server', server, '--cache-dir', cache, 'explain', what], { env: { ...process.env, KUBECONFIG: '/dev/null' } })).stdout;
}

const withKubectl = existsSync(KUBECTL) ? test : test.skip;

withKubectl('kubectl explain reads fields and descriptions for pods, deployments and services', async (t) => {
  const explain = await explainer(t, await fakeServer(t));
  const containers = await explain('pod.spec.containers');
  t.regex(containers, /KIND:\s+Pod/);
  t.regex(containers, /FIELD:\s+containers <\[\]Container>/);
  t.regex(containers, /imagePullPolicy\s+<string>/);
  t.regex(containers, /name\s+<string> -required-/);
  const deploy = await explain('deployments.spec.strategy');
  t.regex(deploy, /GROUP:\s+apps/);
  t.regex(deploy, /rollingUpdate\s+<RollingUpdateDeployment>/);
  const svc = await explain('svc.spec.ports.targetPort');
  t.regex(svc, /Number or name of the port to access/);
});
