// A CSR's spec.request: one PEM "CERTIFICATE REQUEST" block holding a PKCS#10 request whose
// self-signature verifies (upstream ParseCSR + CheckSignature). DER is walked by hand (only
// the byte ranges are needed) and the signature checked with Node's crypto, so RSA, ECDSA and
// Ed25519 requests all verify. Errors carry Go's x509 wording.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

interface Tlv { tag: number; start: number; body: number; end: number }

/** The TLV at `at`, or undefined when it runs past `limit`. */
function tlv(der: Buffer, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at]!;
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  return end <= limit ? { tag, start: at, body, end } : undefined;
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end;) {
    const t = tlv(der, at, parent.end);
    if (!t) throw new Error('x509: malformed certificate request');
    out.push(t);
    at = t.end;
  }
  return out;
}

function oid(der: Buffer, t: Tlv): string {
  const bytes = der.subarray(t.body, t.end);
  if (!bytes.length) return '';
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

// Signature algorithm OIDs → the digest Node's verify takes (null: the key type decides).
const ALGORITHMS = new Map<string, { hash: string | null; key: 'rsa' | 'ec' | 'ed25519' }>(Object.entries({
  '1.2.840.113549.1.1.5': { hash: 'sha1', key: 'rsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ec' },
  '1.3.101.112': { hash: null, key: 'ed25519' },
} as const));
const FAILURE = { rsa: 'crypto/rsa: verification error', ec: 'x509: ECDSA verification failure', ed25519: 'x509: Ed25519 verification failure' };

/** The PEM block's DER, or the error upstream gives. */
function pemBlock(pem: Buffer): Buffer | string {
  const text = pem.toString('latin1');
  const m = /-----BEGIN ([^-\n]*)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  return Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
}

/**
 * Why the PEM bytes of spec.request are not a validly self-signed PKCS#10 request, in
 * upstream's words, or undefined when they are. Never throws.
 */
export function csrRequestProblem(pem: Buffer): string | undefined {
  const der = pemBlock(pem);
  if (typeof der === 'string') return der;
  try {
    const outer = tlv(der, 0, der.length);
    if (!outer || outer.tag !== 0x30) throw new Error('x509: malformed certificate request');
    const [info, alg, sig] = children(der, outer);
    if (!info || !alg || !sig || info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) throw new Error('x509: malformed certificate request');
    const spki = children(der, info)[2];
    const algOid = children(der, alg)[0];
    if (!spki || spki.tag !== 0x30 || !algOid || algOid.tag !== 0x06) throw new Error('x509: malformed certificate request');
    const algorithm = ALGORITHMS.get(oid(der, algOid));
    if (!algorithm) return 'x509: cannot verify signature: algorithm unimplemented';
    let key: KeyObject;
    try {
      key = createPublicKey({ key: der.subarray(spki.start, spki.end), format: 'der', type: 'spki' });
    } catch {
      return 'x509: malformed public key';
    }
    if (key.asymmetricKeyType !== algorithm.key) return 'x509: signature algorithm specifies an ' + algorithm.key.toUpperCase() + ' public key, but have public key of type ' + key.asymmetricKeyType;
    const ok = verify(algorithm.hash, der.subarray(info.start, info.end), key, der.subarray(sig.body + 1, sig.end));
    return ok ? undefined : FAILURE[algorithm.key];
  } catch (err) {
    return err instanceof Error && err.message.startsWith('x509:') ? err.message : 'x509: malformed certificate request';
  }
}

const ORGANIZATION = '2.5.4.10';

/**
 * The subject's Organization values (O=) of a PEM PKCS#10 request; [] when it does not parse
 * (validation reports that). Never throws.
 */
export function csrOrganizations(pem: Buffer): string[] {
  const der = pemBlock(pem);
  if (typeof der === 'string') return [];
  try {
    const outer = tlv(der, 0, der.length);
    const info = outer && children(der, outer)[0];
    const subject = info && children(der, info)[1];
    if (!subject || subject.tag !== 0x30) return [];
    const out: string[] = [];
    // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue { type OID, value string }
    for (const rdn of children(der, subject)) {
      for (const atv of children(der, rdn)) {
        const [type, value] = children(der, atv);
        if (type?.tag === 0x06 && value && oid(der, type) === ORGANIZATION) out.push(der.subarray(value.body, value.end).toString('utf8'));
      }
    }
    return out;
  } catch {
    return [];
  }
}
