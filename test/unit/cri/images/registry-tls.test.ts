import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { issueClientCertificate, makePki, type Pki } from '../../../../src/apiserver/pki.js';
import { parseReference } from '../../../../src/cri/images/reference.js';
import { RegistriesConfigError } from '../../../../src/cri/images/registries.js';
import { loadRegistryHosts } from '../../../../src/cri/images/registry-hosts.js';
import { FakeFiles } from '../../../../src/host/files/fake.js';

// TLS per endpoint host from registries.yaml configs: the CA file, a client certificate,
// insecure_skip_verify; and the files checked when the config loads, not at the first pull.

const pki = makePki();
const otherPki = makePki();

/** An https server on 127.0.0.1 answering every GET with `ok` and the authorization it
 *  got, but /v2/hop (a redirect to /v2/landed) and /v2/away (a redirect to `away`). */
async function httpsServer(t: ExecutionContext, serving: Pki, opts: ServerOptions = {}, away = '', hanging?: () => void): Promise<string> {
  const server = createServer({ cert: serving.serving.cert, key: serving.serving.key, ...opts }, (req, res) => {
    if (req.url === '/v2/hang') return hanging?.();
    if (req.url === '/v2/hop' || req.url === '/v2/away') {
      res.writeHead(307, { location: req.url === '/v2/hop' ? '/v2/landed' : away });
      return res.end();
    }
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'x-authorization': req.headers.authorization ?? '' });
      res.end(req.method === 'POST' ? `posted ${body}` : `ok ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fetchFor(t: ExecutionContext, host: string, tls: string, extraFiles: Record<string, string> = {}) {
  const files = new FakeFiles();
  await files.mkdir('/certs');
  await files.write('/certs/ca.crt', pki.ca.cert);
  await files.write('/certs/other-ca.crt', otherPki.ca.cert);
  for (const [p, text] of Object.entries(extraFiles)) await files.write(p, text);
  await files.write('/registries.yaml', `mirrors: { "*": { endpoint: ["https://${host}"] } }\nconfigs:\n  "${host}":\n    tls: ${tls}\n`);
  const { hosts } = await loadRegistryHosts('/registries.yaml', files, { disableDefaultEndpoint: true });
  const [ep] = hosts(parseReference('registry.k8s.io/pause:1'));
  t.truthy(ep?.fetch, 'an endpoint with TLS settings gets its own fetch');
  return (path: string, init: RequestInit = {}) => ep!.fetch!(`${ep!.root}/${path}`, init);
}

test('the endpoint\'s CA file verifies its certificate; another CA fails saying which CA did not trust it', async (t) => {
  const host = await httpsServer(t, pki);
  const good = await fetchFor(t, host, '{ ca_file: /certs/ca.crt }');
  t.is(await (await good('pause')).text(), 'ok /v2/pause');

  const bad = await fetchFor(t, host, '{ ca_file: /certs/other-ca.crt }');
  const err = await t.throwsAsync<TypeError>(bad('pause'));
  t.is(err?.message, 'fetch failed');
  t.regex((err?.cause as Error).message, new RegExp(`^tls: the certificate of ${host} is not trusted by the CA in /certs/other-ca.crt: .+ \\([A-Z_]+\\)$`));

  const posted = await good('token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) });
  t.is(await posted.text(), 'posted grant_type=refresh_token', 'the token POST of an identity token');

  const skip = await fetchFor(t, host, '{ ca_file: /certs/other-ca.crt, insecure_skip_verify: true }');
  t.is((await skip('pause')).status, 200, 'insecure_skip_verify trusts any certificate');
});

test('a client certificate is presented to an endpoint that asks for one', async (t) => {
  const host = await httpsServer(t, pki, { requestCert: true, rejectUnauthorized: true, ca: pki.ca.cert });
  const client = issueClientCertificate(pki.ca, 'puller');
  const withCert = await fetchFor(t, host, '{ ca_file: /certs/ca.crt, cert_file: /certs/c.crt, key_file: /certs/c.key }', { '/certs/c.crt': client.cert, '/certs/c.key': client.key });
  t.is((await withCert('pause')).status, 200);
  const without = await fetchFor(t, host, '{ ca_file: /certs/ca.crt }');
  await t.throwsAsync(without('pause'), { message: 'fetch failed' });
});

test('redirects are followed, and Authorization stays behind when one leaves the origin', async (t) => {
  const host = await httpsServer(t, pki);
  const f = await fetchFor(t, host, '{ ca_file: /certs/ca.crt }');
  const res = await f('hop', { headers: { authorization: 'Bearer x' } });
  t.is(await res.text(), 'ok /v2/landed');
  t.is(res.headers.get('x-authorization'), 'Bearer x', 'same origin: kept');
  const storage = await httpsServer(t, pki);
  const front = await fetchFor(t, await httpsServer(t, pki, {}, `https://${storage}/v2/blob`), '{ ca_file: /certs/ca.crt }');
  const moved = await front('away', { headers: { authorization: 'Bearer x' } });
  t.is(await moved.text(), 'ok /v2/blob');
  t.is(moved.headers.get('x-authorization'), '', 'another origin: dropped');
});

test('an aborted request rejects with the signal\'s reason', async (t) => {
  let asked!: () => void;
  const arrived = new Promise<void>((r) => (asked = r));
  const f = await fetchFor(t, await httpsServer(t, pki, {}, '', () => asked()), '{ ca_file: /certs/ca.crt }');
  const abort = new AbortController();
  const pending = f('hang', { signal: abort.signal });
  await arrived;
  abort.abort(new Error('caller left'));
  await t.throwsAsync(pending, { message: 'caller left' });
});

test('TLS files are checked when the config loads: missing, not PEM, a key that is not the certificate\'s', async (t) => {
  const load = async (tls: string, extra: Record<string, string> = {}) => {
    const files = new FakeFiles();
    await files.mkdir('/certs');
    for (const [p, text] of Object.entries(extra)) await files.write(p, text);
    await files.write('/r.yaml', `configs:\n  "reg.example:5000":\n    tls: ${tls}\n`);
    return loadRegistryHosts('/r.yaml', files);
  };
  const field = '/r.yaml: configs."reg.example:5000".tls';
  const missing = await t.throwsAsync(load('{ ca_file: /certs/nope.crt }'), { instanceOf: RegistriesConfigError });
  t.regex(missing?.message ?? '', new RegExp(`^${escape(field)}\\.ca_file: .*ENOENT`));
  const notPem = await t.throwsAsync(load('{ ca_file: /certs/ca.crt }', { '/certs/ca.crt': 'hello' }), { instanceOf: RegistriesConfigError });
  t.is(notPem?.message, `${field}.ca_file: /certs/ca.crt holds no PEM certificate`);
  const client = issueClientCertificate(pki.ca, 'puller');
  const mismatch = await t.throwsAsync(load('{ cert_file: /certs/c.crt, key_file: /certs/c.key }', { '/certs/c.crt': client.cert, '/certs/c.key': pki.admin.key }), { instanceOf: RegistriesConfigError });
  t.regex(mismatch?.message ?? '', new RegExp(`^${escape(field)}\\.cert_file/key_file: does not load: .*key values mismatch`));
  await t.throwsAsync(loadRegistryHosts('/absent.yaml', new FakeFiles()), { instanceOf: RegistriesConfigError, message: /^registries file \/absent\.yaml: .*ENOENT/ });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
