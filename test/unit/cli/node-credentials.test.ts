import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { makePki } from '../../../src/apiserver/pki.js';
import { loadKubeconfig } from '../../../src/client/kubeconfig.js';
import { writeNodeCredentials } from '../../../src/cli/node-credentials.js';
import { FakeClock } from '../../../src/host/clock.js';
import { FakeFiles } from '../../../src/host/files/fake.js';

const pki = makePki();

test('the kubelet\'s kubeconfig is system:node:<name> in system:nodes from the cluster CA, mode 0600', async (t) => {
  const files = new FakeFiles();
  const creds = await writeNodeCredentials({ agentDir: '/data/agent', nodeName: 'n1', server: 'https://10.0.0.2:6443', ca: pki.ca, hosts: ['10.0.0.2'], files, clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')) });
  t.is(creds.kubeconfig, '/data/agent/kubelet.kubeconfig');
  t.is((await files.stat(creds.kubeconfig))!.mode & 0o777, 0o600);
  const doc = parse(await files.readText(creds.kubeconfig)) as { users: { name: string }[] };
  t.is(doc.users[0]!.name, 'system:node:n1');
  const config = await loadKubeconfig(files, creds.kubeconfig);
  t.is(config.server, 'https://10.0.0.2:6443');
  t.is(config.ca, pki.ca.cert);
  const client = new X509Certificate(config.cert!);
  t.is(client.subject, 'CN=system:node:n1\nO=system:nodes');
  t.true(client.verify(new X509Certificate(pki.ca.cert).publicKey));
  t.is(creds.clientCa, pki.ca.cert);
});

test('the kubelet\'s serving certificate names the node and its addresses, is signed by the CA and kept on disk', async (t) => {
  const files = new FakeFiles();
  const creds = await writeNodeCredentials({ agentDir: '/a', nodeName: 'node-1', server: 'https://127.0.0.1:6443', ca: pki.ca, hosts: ['10.0.0.2', 'node-1'], files, clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')) });
  const serving = new X509Certificate(creds.serving.cert);
  t.is(serving.subject, 'CN=node-1');
  t.is(serving.subjectAltName, 'DNS:node-1, DNS:localhost, IP Address:127.0.0.1, IP Address:10.0.0.2');
  t.true(serving.verify(new X509Certificate(pki.ca.cert).publicKey));
  t.is(await files.readText('/a/pki/kubelet.crt'), creds.serving.cert);
  t.is((await files.stat('/a/pki/kubelet.key'))!.mode & 0o777, 0o600);
});
