import { X509Certificate } from 'node:crypto';
import test from 'ava';
import { ensurePki, issueServingCertificate, KUBELET_CLIENT_USER } from '../../../src/apiserver/pki.js';
import { FakeFiles } from '../../../src/host/files/fake.js';

test('the PKI has a kubelet-client certificate: CN kube-apiserver-kubelet-client, O system:masters, for client auth, from the CA', async (t) => {
  const files = new FakeFiles();
  const pki = await ensurePki('/data', [], { files });
  const cert = new X509Certificate(pki.kubeletClient.cert);
  const ca = new X509Certificate(pki.ca.cert);
  t.is(KUBELET_CLIENT_USER, 'kube-apiserver-kubelet-client');
  t.regex(cert.subject, /CN=kube-apiserver-kubelet-client/);
  t.regex(cert.subject, /O=system:masters/);
  t.true(cert.checkIssued(ca) && cert.verify(ca.publicKey));
  t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  t.is(await files.readText('/data/pki/kubelet-client.crt'), pki.kubeletClient.cert);
  t.is((await ensurePki('/data', [], { files })).kubeletClient.key, pki.kubeletClient.key, 'loaded, not made again');
});

test('a data dir made before the kubelet-client certificate existed gets one from its own CA, kept for the next start', async (t) => {
  const files = new FakeFiles();
  const first = await ensurePki('/data', [], { files });
  await files.remove('/data/pki/kubelet-client.crt');
  await files.remove('/data/pki/kubelet-client.key');
  const second = await ensurePki('/data', [], { files });
  t.is(second.ca.cert, first.ca.cert);
  t.not(second.kubeletClient.cert, first.kubeletClient.cert);
  t.true(new X509Certificate(second.kubeletClient.cert).verify(new X509Certificate(first.ca.cert).publicKey));
  t.is((await ensurePki('/data', [], { files })).kubeletClient.cert, second.kubeletClient.cert);
});

test('a serving certificate for a kubelet: its names and IPs, for server auth, from the CA', async (t) => {
  const pki = await ensurePki('/data', [], { files: new FakeFiles() });
  const serving = new X509Certificate(issueServingCertificate(pki.ca, 'n1', ['n1', '10.0.0.5']).cert);
  t.true(serving.verify(new X509Certificate(pki.ca.cert).publicKey));
  t.is(serving.checkHost('n1'), 'n1');
  t.is(serving.checkIP('10.0.0.5'), '10.0.0.5');
  t.is(serving.checkIP('10.0.0.6'), undefined);
  t.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
});
