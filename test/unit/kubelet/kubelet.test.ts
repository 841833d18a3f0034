// startKubelet's failures: each rejects with what went wrong and leaves nothing started.
import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Node } from '../../../src/api/types.js';
import { kubeconfigYaml } from '../../../src/apiserver/kubeconfig.js';
import { issueClientCertificate, issueServingCertificate } from '../../../src/apiserver/pki.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { FakeNodeInfo } from '../../../src/host/nodeinfo/fake.js';
import { startKubelet, type KubeletOptions } from '../../../src/kubelet/kubelet.js';
import { NodeIpError } from '../../../src/kubelet/node/index.js';
import { startClientFixture } from '../client/client-fixture.js';
import { testPki } from '../apiserver/fixture.js';

const base = (files: FakeFiles, extra: Partial<KubeletOptions> = {}): KubeletOptions => ({
  nodeName: 'n1', kubeconfig: '/etc/skiff/kubelet.kubeconfig', criEndpoint: '/nonexistent/cri.sock', rootDir: '/var/lib/skiff/kubelet',
  clusterDns: ['10.96.0.10'], cgroupRoot: 'skiff', server: { listen: '127.0.0.1:0', tls: issueServingCertificate(testPki().ca, 'n1', ['127.0.0.1']) },
  files, nodeInfo: new FakeNodeInfo(), log: () => {}, ...extra,
});

test('no kubeconfig: rejects with the file error', async (t) => {
  await t.throwsAsync(startKubelet(base(new FakeFiles())), { code: 'ENOENT' } as never);
});

test('a malformed --node-ip, or none and no default route: NodeIpError', async (t) => {
  const files = new FakeFiles();
  await files.mkdir('/etc/skiff', { recursive: true });
  await files.write('/etc/skiff/kubelet.kubeconfig', kubeconfigYaml('https://127.0.0.1:1', testPki().ca.cert, issueClientCertificate(testPki().ca, 'system:node:n1', ['system:nodes'])));
  await t.throwsAsync(startKubelet(base(files, { nodeIp: '10.0.0.300' })), { instanceOf: NodeIpError, message: 'node IP: "10.0.0.300" is not a valid IP address' });
  const noRoute = new FakeNodeInfo();
  noRoute.defaultRoute = [];
  await t.throwsAsync(startKubelet(base(files, { nodeInfo: noRoute })), { instanceOf: NodeIpError, message: /no default IPv4 route/ });
  t.is(await files.stat('/var/lib/skiff/kubelet'), undefined, 'nothing made before the checks passed');
});

test('the kubelet server\'s port is taken: rejects with EADDRINUSE, and the node was never registered', async (t) => {
  const f = await startClientFixture(t);
  const files = new FakeFiles();
  await files.mkdir('/etc/skiff', { recursive: true });
  await files.write('/etc/skiff/kubelet.kubeconfig', kubeconfigYaml(f.server.url, testPki().ca.cert, issueClientCertificate(testPki().ca, 'system:node:n1', ['system:nodes'])));
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.teardown(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  await t.throwsAsync(startKubelet(base(files, { server: { ...base(files).server, listen: `127.0.0.1:${port}` } })), { code: 'EADDRINUSE' } as never);
  t.truthy(await files.stat('/var/lib/skiff/kubelet'), 'the root dir was made');
  const nodes = await f.client.resource<Node>({ group: '', version: 'v1', plural: 'nodes' }).list();
  t.deepEqual(nodes.items, []);
});
