import test from 'ava';
import { stringify } from 'yaml';
import { kubeconfigYaml } from '../../../src/apiserver/kubeconfig.js';
import { Client } from '../../../src/client/client.js';
import { KubeconfigError, loadKubeconfig, parseKubeconfig } from '../../../src/client/kubeconfig.js';
import { FakeClock } from '../../../src/host/clock.js';
import { FakeFiles } from '../../../src/host/files/fake.js';
import { startFixture, testPki } from '../apiserver/fixture.js';

test('the apiserver\'s own admin.kubeconfig loads and reaches the server as admin', async (t) => {
  const f = await startFixture(t);
  const pki = testPki();
  const files = new FakeFiles();
  await files.mkdir('/etc/skiff', { recursive: true });
  await files.write('/etc/skiff/admin.kubeconfig', kubeconfigYaml(f.server.url, pki.ca.cert, pki.admin));
  const config = await loadKubeconfig(files, '/etc/skiff/admin.kubeconfig');
  t.deepEqual(config, { server: f.server.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  const client = await Client.fromKubeconfig({ files, clock: new FakeClock() }, '/etc/skiff/admin.kubeconfig');
  t.teardown(() => client.close());
  const ns = await client.resource({ group: '', version: 'v1', plural: 'namespaces' }).get('default');
  t.is(ns.metadata.name, 'default');
});

test('file references resolve against the kubeconfig\'s directory; a named context wins over current-context', async (t) => {
  const files = new FakeFiles();
  await files.mkdir('/k/pki', { recursive: true });
  await files.write('/k/pki/ca.crt', 'CA');
  await files.write('/k/pki/c.crt', 'CERT');
  await files.write('/abs.key', 'KEY');
  await files.write('/k/kubeconfig', stringify({
    clusters: [{ name: 'a', cluster: { server: 'https://a:6443/', 'certificate-authority': 'pki/ca.crt' } }, { name: 'b', cluster: { server: 'https://b:1', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { 'client-certificate': 'pki/c.crt', 'client-key': '/abs.key' } }, { name: 'sa', user: { tokenFile: 'token' } }],
    contexts: [{ name: 'one', context: { cluster: 'a', user: 'u' } }, { name: 'two', context: { cluster: 'b', user: 'sa' } }],
    'current-context': 'one',
  }));
  t.deepEqual(await loadKubeconfig(files, '/k/kubeconfig'), { server: 'https://a:6443', ca: 'CA', cert: 'CERT', key: 'KEY' });
  t.deepEqual(await loadKubeconfig(files, '/k/kubeconfig', 'two'), { server: 'https://b:1', tokenFile: '/k/token', insecureSkipTLSVerify: true });
});

test('an unusable kubeconfig is a KubeconfigError naming what is missing; a missing file is the HostError', async (t) => {
  const files = new FakeFiles();
  const bad = async (doc: unknown, context?: string) => (await t.throwsAsync(parseKubeconfig(stringify(doc), files, '/', context), { instanceOf: KubeconfigError }))?.message;
  t.is(await bad({ clusters: [] }), 'no context given and current-context is not set');
  t.is(await bad({ contexts: [], 'current-context': 'x' }), 'context "x" not found in contexts');
  t.is(await bad({ contexts: [{ name: 'x', context: { cluster: 'c' } }], 'current-context': 'x' }), 'cluster "c" not found in clusters');
  t.is(await bad({ contexts: [{ name: 'x', context: { cluster: 'c' } }], clusters: [{ name: 'c', cluster: {} }], 'current-context': 'x' }), 'cluster "c" has no server');
  t.is(await bad({ contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], clusters: [{ name: 'c', cluster: { server: 'https://c' } }], users: [{ name: 'u', user: { 'client-certificate-data': 'Q0VSVA==' } }], 'current-context': 'x' }),
    'user "u": a client certificate needs its key and a key its certificate');
  t.is(await bad({ contexts: [{ name: 'x', context: { cluster: 'c' } }], clusters: [{ name: 'c', cluster: { server: 42 } }] }, 'x'), 'cluster "c": server must be a string');
  // An entry named like an Object.prototype member is not found by accident.
  t.is(await bad({ contexts: [], 'current-context': 'constructor' }), 'context "constructor" not found in contexts');
  await t.throwsAsync(loadKubeconfig(files, '/nope'), { code: 'ENOENT' });
});
