import test from 'ava';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { authenticator } from '../../../../src/apiserver/auth/index.js';
import { ApiError } from '../../../../src/apiserver/status.js';

interface Issued { cert: string; key: string; forgeCert: forge.pki.Certificate; forgeKey: forge.pki.rsa.PrivateKey }

/** A certificate signed by `issuer` (self-signed without one), as a CA or a client would hold. */
function issue(subject: Array<{ name: string; value: string }>, opts: { issuer?: Issued; ca?: boolean; eku?: 'clientAuth' | 'serverAuth'; notAfter?: Date } = {}): Issued {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `0${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 86_400_000);
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.forgeCert.subject.attributes : subject);
  const ext: any[] = [{ name: 'basicConstraints', cA: !!opts.ca }];
  if (opts.ca) ext.push({ name: 'keyUsage', keyCertSign: true, digitalSignature: true });
  if (opts.eku) ext.push({ name: 'extKeyUsage', [opts.eku]: true });
  cert.setExtensions(ext);
  cert.sign(opts.issuer?.forgeKey ?? keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey), forgeCert: cert, forgeKey: keys.privateKey };
}

const ca = issue([{ name: 'commonName', value: 'skiff-test-ca' }], { ca: true });
const otherCa = issue([{ name: 'commonName', value: 'other-ca' }], { ca: true });
const serving = issue([{ name: 'commonName', value: 'localhost' }], { issuer: ca, eku: 'serverAuth' });
const admin = issue([{ name: 'commonName', value: 'admin' }, { name: 'organizationName', value: 'system:masters' }, { name: 'organizationName', value: 'ops' }], { issuer: ca, eku: 'clientAuth' });

/** Runs one HTTPS request with the client certificate given, answering what authenticate() says. */
async function whoAmI(t: any, client?: Issued): Promise<any> {
  const authn = authenticator({ clientCA: ca.cert });
  const server = createServer({ cert: serving.cert, key: serving.key, requestCert: true, rejectUnauthorized: false, ca: [ca.cert] }, (req, res) => {
    try {
      res.end(JSON.stringify({ user: authn.authenticate(req) ?? null }));
    } catch (e) {
      res.end(JSON.stringify({ code: (e as ApiError).code, why: ((e as Error).cause as Error)?.message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', ca: ca.cert, servername: 'localhost', checkServerIdentity: () => undefined, agent: false, ...(client ? { cert: client.cert, key: client.key } : {}) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a client certificate from the client CA: CN is the user, O the groups', async (t) => {
  t.deepEqual(await whoAmI(t, admin), { user: { name: 'admin', groups: ['system:masters', 'ops', 'system:authenticated'] } });
});

test('no client certificate: no user, no error', async (t) => {
  t.deepEqual(await whoAmI(t), { user: null });
});

test('a certificate from another CA is 401', async (t) => {
  const stranger = issue([{ name: 'commonName', value: 'admin' }], { issuer: otherCa, eku: 'clientAuth' });
  t.deepEqual(await whoAmI(t, stranger), { code: 401, why: 'x509: certificate signed by unknown authority' });
});

test('an expired certificate, or one for servers only, is 401', async (t) => {
  const expired = issue([{ name: 'commonName', value: 'old' }], { issuer: ca, eku: 'clientAuth', notAfter: new Date(Date.now() - 60_000) });
  t.is((await whoAmI(t, expired)).code, 401);
  const serverOnly = issue([{ name: 'commonName', value: 'web' }], { issuer: ca, eku: 'serverAuth' });
  t.deepEqual(await whoAmI(t, serverOnly), { code: 401, why: 'x509: certificate specifies an incompatible key usage' });
});
