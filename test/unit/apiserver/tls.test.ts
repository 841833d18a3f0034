// The TLS port as upstream's: TLS 1.2 only with ECDHE key exchange (Go's default suites), and
// plain HTTP answered with Go's 400 instead of a dropped connection.
import test from 'ava';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startFixture } from './fixture.js';

function handshake(port: number, ciphers: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ciphers, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, () => {
      const name = s.getCipher().standardName;
      s.end();
      resolve(name);
    });
    s.on('error', (e: Error & { code?: string }) => resolve(`error ${e.code ?? e.message}`));
  });
}

test('TLS 1.2 offers only ECDHE suites: static-RSA key exchange fails the handshake', async (t) => {
  const f = await startFixture(t);
  const port = f.server.port;
  for (const suite of ['AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384']) {
    t.regex(await handshake(port, suite), /^error /, suite);
  }
  t.is(await handshake(port, 'ECDHE-RSA-AES128-GCM-SHA256'), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  t.is(await handshake(port, 'ECDHE-RSA-CHACHA20-POLY1305'), 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
});

test('plain HTTP on the TLS port gets Go\'s "400 Bad Request" and a closed connection', async (t) => {
  const f = await startFixture(t);
  const answer = await new Promise<string>((resolve, reject) => {
    const c = netConnect(f.server.port, '127.0.0.1', () => c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    let got = '';
    c.on('data', (d) => { got += d.toString(); });
    c.on('close', () => resolve(got));
    c.on('error', reject);
  });
  t.is(answer, 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
});
