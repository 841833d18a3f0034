// The kubelet server behind the in-process apiserver: pods/log through the apiserver's
// kubelet-client certificate to a kubelet whose runtime is a CRI double and whose log files
// are in FakeFiles; the kubelet's own authentication and authorization asked of the apiserver.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Pod } from '../../../../src/api/types.js';
import { issueClientCertificate, issueServingCertificate } from '../../../../src/apiserver/pki.js';
import { InformerFactory } from '../../../../src/client/informer-factory.js';
import { realTimers } from '../../../../src/client/timers.js';
import type { CriClient } from '../../../../src/cri/client.js';
import { notFound } from '../../../../src/cri/errors.js';
import { systemClock } from '../../../../src/host/clock.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';
import { startKubeletServer } from '../../../../src/kubelet/server/index.js';
import { TEST_TOKENS, testPki } from '../../apiserver/fixture.js';
import { startClientFixture } from '../../client/client-fixture.js';

const UID = 'uid-web';
const LOG_PATH = '/logs/default_web_uid-web/app/0.log';
const LOG = [
  '2026-01-01T00:00:01.000000000Z stdout F one',
  '2026-01-01T00:00:02.000000000Z stderr F two',
  '2026-01-01T00:00:03.000000000Z stdout F three',
].join('\n') + '\n';

const OLD_LOG_PATH = '/logs/default_web_uid-web/app/0-old.log';

/** The runtime as the kubelet server asks it: container "app" of pod web, running as attempt 1 (c1) after attempt 0 (c0) exited. */
function fakeCri(execs: unknown[], execUrl: string): CriClient {
  const runtime = {
    listContainers: async (req: { filter?: { labelSelector?: Record<string, string> } }) => {
      const sel = req.filter?.labelSelector ?? {};
      const ours = sel['io.kubernetes.pod.uid'] === UID && sel['io.kubernetes.container.name'] === 'app';
      return {
        containers: ours ? [
          { id: 'c0', metadata: { name: 'app', attempt: 0 }, state: 'CONTAINER_EXITED', createdAt: '1' },
          { id: 'c1', metadata: { name: 'app', attempt: 1 }, state: 'CONTAINER_RUNNING', createdAt: '2' },
        ] : [],
      };
    },
    // Exited as far as following goes: a follow reads what is there and ends.
    containerStatus: async (req: { containerId: string }) => ({ status: { id: req.containerId, state: 'CONTAINER_EXITED', logPath: req.containerId === 'c0' ? OLD_LOG_PATH : LOG_PATH } }),
    exec: async (req: { cmd: string[] }) => {
      execs.push(req);
      if (req.cmd[0] === 'vanished') throw notFound('container "c1" is gone');
      return { url: execUrl };
    },
  };
  return { runtime, image: {}, close: () => {} } as unknown as CriClient;
}

const web: Pod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: UID },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox' }, { name: 'side', image: 'busybox' }] },
} as Pod;

async function setup(t: ExecutionContext, execUrl = 'http://127.0.0.1:1/exec/x', serving?: { cert: string; key: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-server-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'tokens.csv');
  await writeFile(tokenFile, TEST_TOKENS);
  const pki = testPki();
  const kubeletClient = issueClientCertificate(pki.ca, 'kube-apiserver-kubelet-client', ['system:masters']);
  const f = await startClientFixture(t, { kubeletClient: { ...kubeletClient, ca: pki.ca.cert }, auth: { tokenFile } });
  const node = issueClientCertificate(pki.ca, 'system:node:n1', ['system:nodes']);
  const client = f.clientWith({ cert: node.cert, key: node.key });
  const files = new FakeFiles();
  await files.mkdir('/logs/default_web_uid-web/app', { recursive: true });
  await files.write(LOG_PATH, LOG);
  await files.write(OLD_LOG_PATH, '2025-12-31T23:59:59.000000000Z stdout F before the restart\n');
  const execs: unknown[] = [];
  const kubelet = await startKubeletServer({
    nodeName: 'n1', client, informers: new InformerFactory({ client, clock: systemClock, timers: realTimers }), cri: fakeCri(execs, execUrl),
    clock: systemClock, timers: realTimers, files, log: () => {},
    listen: '127.0.0.1:0', tls: serving ?? issueServingCertificate(pki.ca, 'n1', ['127.0.0.1']), clientCa: pki.ca.cert, pods: () => [web],
  });
  t.teardown(() => kubelet.close());
  const made = await f.call('POST', '/api/v1/namespaces/default/pods', { ...web, metadata: { name: 'web' } });
  t.is(made.status, 201, made.text);
  t.is((await f.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status, 201);
  const status = await f.call('PATCH', '/api/v1/nodes/n1/status', {
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  }, { 'Content-Type': 'application/merge-patch+json' });
  t.is(status.status, 200, status.text);
  /** A request straight to the kubelet, with the given client certificate (or none) and headers. */
  const direct = (path: string, cert?: { cert: string; key: string }, headers: Record<string, string> = {}) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const agent = new Agent({ ca: pki.ca.cert, ...(cert ?? {}) });
    const req = request(`https://127.0.0.1:${kubelet.port}${path}`, { agent, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => { agent.destroy(); resolve({ status: res.statusCode ?? 0, text }); });
    });
    req.on('error', reject);
    req.end();
  });
  return { f, kubelet, direct, execs, kubeletClient };
}

test('pods/log through the apiserver: the container\'s log, tailLines and timestamps as asked', async (t) => {
  const { f } = await setup(t);
  const all = await f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
  t.is(all.status, 200, all.text);
  t.is(all.text, 'one\ntwo\nthree\n');
  const tail = await f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app&tailLines=1&timestamps=true');
  t.is(tail.text, '2026-01-01T00:00:03.000000000Z three\n');
  const limited = await f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app&limitBytes=5');
  t.is(limited.text, 'one\nt');
});

test('pods/log refusals: no container named among several, invalid options, unknown pod, the kubelet\'s own 404', async (t) => {
  const { f } = await setup(t);
  const several = await f.call('GET', '/api/v1/namespaces/default/pods/web/log');
  t.is(several.status, 400);
  t.is(several.json.message, 'a container name must be specified for pod web, choose one of: [app side]');
  const bad = await f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app&tailLines=-2');
  t.is(bad.status, 422);
  t.is(bad.json.message, 'PodLogOptions "web" is invalid: tailLines: Invalid value: -2: must be greater than or equal to 0');
  t.is((await f.call('GET', '/api/v1/namespaces/default/pods/nope/log')).status, 404);
  // The apiserver knows "side"; the runtime has no instance of it yet: the kubelet's 400, passed on.
  const waiting = await f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=side');
  t.is(waiting.status, 400);
  t.is(waiting.json.message, 'container "side" in pod "web" is waiting to start: ContainerCreating');
});

test('a pod not yet on a node has an empty log; exec on it is a 400', async (t) => {
  const { f } = await setup(t);
  t.is((await f.call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'x' }] } })).status, 201);
  const log = await f.call('GET', '/api/v1/namespaces/default/pods/pending/log');
  t.is(log.status, 200);
  t.is(log.text, '');
  const exec = await f.call('POST', '/api/v1/namespaces/default/pods/pending/exec?command=true&stdout=true');
  t.is(exec.status, 400);
  t.is(exec.json.message, 'pod pending does not have a host assigned');
});

test('exec without an upgrade: the kubelet was found, the request needs one (400)', async (t) => {
  const { f } = await setup(t);
  const exec = await f.call('POST', '/api/v1/namespaces/default/pods/web/exec?container=app&command=echo&command=hi&stdout=true');
  t.is(exec.status, 400);
  t.is(exec.json.message, 'Upgrade request required');
});

test('the kubelet: 401 without credentials, 403 in upstream words for a user the apiserver does not allow, tokens reviewed by the apiserver', async (t) => {
  const { direct, kubeletClient } = await setup(t);
  const none = await direct('/pods');
  t.is(none.status, 401);
  t.is(none.text, 'Unauthorized');
  const bob = await direct('/pods', undefined, { Authorization: 'Bearer bob-token' });
  t.is(bob.status, 403);
  t.is(bob.text, 'Forbidden (user=bob, verb=get, resource=nodes, subresource=proxy)');
  const bogus = await direct('/pods', undefined, { Authorization: 'Bearer not-a-token' });
  t.is(bogus.status, 401);
  const stranger = issueClientCertificate(testPki().ca, 'stranger');
  t.is((await direct('/containerLogs/default/web/app', stranger)).status, 403);
  const pods = await direct('/pods', kubeletClient);
  t.is(pods.status, 200);
  t.deepEqual(JSON.parse(pods.text).items.map((p: Pod) => p.metadata?.name), ['web']);
  t.is((await direct('/healthz', kubeletClient)).text, 'ok');
  // The kubelet's streaming refusals, as upstream maps the runtime's gRPC codes.
  t.deepEqual(await direct('/exec/default/web/app?command=vanished&output=1', kubeletClient), { status: 404, text: 'container "c1" is gone' });
  t.deepEqual(await direct('/exec/default/web/app?command=ls', kubeletClient), { status: 400, text: 'you must specify at least 1 of stdin, stdout, stderr' });
  t.deepEqual(await direct('/exec/default/web/side?command=ls&output=1', kubeletClient), { status: 500, text: 'container not found ("side")' });
  t.deepEqual(await direct('/exec/default/nope/app?command=ls&output=1', kubeletClient), { status: 404, text: 'pod does not exist' });
});

test('the kubelet: a certificate from another CA is no credential', async (t) => {
  const { direct } = await setup(t);
  const { makePki } = await import('../../../../src/apiserver/pki.js');
  const other = makePki();
  t.is((await direct('/pods', other.admin)).status, 401);
  // From the right CA but for serving only (no clientAuth usage), as upstream's x509 authenticator checks.
  const servingOnly = issueServingCertificate(testPki().ca, 'system:node:n1', ['127.0.0.1']);
  t.is((await direct('/pods', servingOnly)).status, 401);
});

test('the kubelet\'s own containerLogs refusals, as upstream writes them', async (t) => {
  const { direct, kubeletClient } = await setup(t);
  t.deepEqual(await direct('/containerLogs/default/nope/app', kubeletClient), { status: 404, text: 'pod "nope" does not exist' });
  t.deepEqual(await direct('/containerLogs/default/web/zzz', kubeletClient), { status: 404, text: 'container "zzz" not found in pod "web"' });
  t.deepEqual(await direct('/containerLogs/default/web/app?tailLines=-1', kubeletClient), { status: 422, text: '{"message": "Invalid request."}' });
  t.deepEqual(await direct('/containerLogs/default/web/app?tail=1', kubeletClient), { status: 200, text: 'three\n' });
  t.deepEqual(await direct('/containerLogs/default/web/app?previous=true', kubeletClient), { status: 200, text: 'before the restart\n' });
  t.deepEqual(await direct('/containerLogs/default/web/side?previous=true', kubeletClient),
    { status: 400, text: 'previous terminated container "side" in pod "web" not found' });
  t.deepEqual(await direct('/containerLogs/default/web/app?follow=true', kubeletClient), { status: 200, text: 'one\ntwo\nthree\n' });
});

test('nodes/proxy passes any path and query to the kubelet and its answer back, refusals included', async (t) => {
  const { f } = await setup(t);
  const pods = await f.call('GET', '/api/v1/nodes/n1/proxy/pods');
  t.is(pods.status, 200, pods.text);
  t.deepEqual(pods.json.items.map((p: Pod) => p.metadata?.name), ['web']);
  t.is((await f.call('GET', '/api/v1/nodes/n1/proxy/healthz')).text, 'ok');
  t.is((await f.call('GET', '/api/v1/nodes/n1/proxy/containerLogs/default/web/app?tailLines=1')).text, 'three\n');
  t.deepEqual(await f.call('GET', '/api/v1/nodes/n1/proxy/containerLogs/default/nope/app').then((r) => [r.status, r.text]), [404, 'pod "nope" does not exist']);
  t.is((await f.call('GET', '/api/v1/nodes/nope/proxy/pods')).status, 404);
  t.is((await f.call('GET', '/api/v1/nodes/n1:x/proxy/pods')).status, 400);
});

test('an exec upgrade is spliced through the apiserver and the kubelet to the runtime\'s URL; closing the apiserver cuts it', async (t) => {
  // The runtime's streaming server: accepts the upgrade and echoes what it gets.
  const seen: IncomingMessage[] = [];
  const streaming = createServer();
  streaming.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(req);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { streaming.closeAllConnections(); streaming.close(); });
  const { f, execs } = await setup(t, `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/exec/token1`);
  const pki = testPki();
  const agent = new Agent({ ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  const socket = await new Promise<Duplex>((resolve, reject) => {
    const req = request(`${f.server.url}/api/v1/namespaces/default/pods/web/exec?container=app&command=echo&command=hi&stdout=true&stderr=true`, {
      agent, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
    });
    req.on('upgrade', (_res, s) => resolve(s));
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
  t.like(execs[0], { containerId: 'c1', cmd: ['echo', 'hi'], stdout: true, stderr: true, stdin: false, tty: false });
  t.is(seen[0]!.url, '/exec/token1');
  t.is(seen[0]!.headers['sec-websocket-protocol'], 'v5.channel.k8s.io');
  const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
  socket.write('ping');
  t.is(await echoed, 'ping');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await f.server.close();
  await closed;
  agent.destroy();
  t.pass();
});

test('the apiserver checks the kubelet\'s serving certificate: one from another CA, or for another address, is refused', async (t) => {
  const { makePki } = await import('../../../../src/apiserver/pki.js');
  const stranger = await setup(t, undefined, makePki().serving);
  const log = await stranger.f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
  t.is(log.status, 500);
  t.regex(log.json.message, /self[- ]signed|unable to verify|certificate/i);
  const elsewhere = await setup(t, undefined, issueServingCertificate(testPki().ca, 'n1', ['10.9.9.9']));
  const other = await elsewhere.f.call('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
  t.is(other.status, 500);
  t.regex(other.json.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
});
