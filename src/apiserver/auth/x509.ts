// Client-certificate authentication: the TLS handshake proved the client holds the key of
// the certificate it sent; here we check that certificate chains to one of our client CAs
// and is meant for client auth, then read the user from its subject (CN = user, O = groups).
import { X509Certificate } from 'node:crypto';
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { Socket } from 'node:net';
import type { UserInfo } from './types.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const MAX_CHAIN = 10;

/** Every certificate in a PEM bundle. Throws when the bundle holds none or one is malformed. */
export function parseCertBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('client CA: no certificate in PEM bundle');
  return blocks.map((b) => new X509Certificate(b));
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return Date.parse(cert.validFrom) <= now.getTime() && now.getTime() <= Date.parse(cert.validTo);
}

/** The presented chain, leaf first, as the client sent it (Node links it through issuerCertificate). */
function presentedChain(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let at: DetailedPeerCertificate | undefined = peer;
  while (at?.raw && chain.length < MAX_CHAIN) {
    chain.push(new X509Certificate(at.raw));
    if (at.issuerCertificate === at || at.issuerCertificate?.raw?.equals(at.raw)) break;
    at = at.issuerCertificate;
  }
  return chain;
}

/** Throws an Error saying why when no path leads from the leaf to a trusted CA. */
function verifyChain(chain: X509Certificate[], roots: X509Certificate[], now: Date): void {
  const [leaf] = chain;
  if (!leaf) throw new Error('x509: empty certificate chain');
  if (!validAt(leaf, now)) throw new Error('x509: certificate has expired or is not yet valid');
  const eku = leaf.keyUsage;
  // Go's verifier (upstream) treats a certificate without the extension as good for any use.
  if (eku && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU)) throw new Error('x509: certificate specifies an incompatible key usage');
  let current = leaf;
  const intermediates = chain.slice(1);
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey) && validAt(r, now));
    if (root) return;
    const next = intermediates.find((c) => c.ca && current.checkIssued(c) && current.verify(c.publicKey) && validAt(c, now));
    if (!next) break;
    current = next;
  }
  throw new Error('x509: certificate signed by unknown authority');
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The user of the client certificate on the request's TLS connection; undefined when the
 * connection is not TLS, the client sent no certificate, or its CN is empty (upstream: not
 * this authenticator's request). Throws an Error saying why when a certificate was sent but
 * does not verify against `roots`.
 */
export function userFromClientCertificate(socket: Socket, roots: X509Certificate[], now: Date): UserInfo | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return undefined;
  const peer = tls.getPeerCertificate(true);
  if (!peer || !peer.raw) return undefined;
  verifyChain(presentedChain(peer), roots, now);
  const subject = peer.subject as unknown as Record<string, string | string[] | undefined>;
  const [name] = asList(subject.CN);
  if (!name) return undefined;
  return { name, groups: asList(subject.O) };
}
