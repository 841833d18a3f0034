// certificates.k8s.io/v1 CertificateSigningRequest (upstream pkg/apis/certificates/validation):
// a self-signed PKCS#10 request, known and distinct usages, a qualified signerName, and
// conditions where Approved and Denied exclude each other and none is ever removed. What may
// change on which subresource is settled before (storage/meta.ts); this checks the result.
import { X509Certificate } from 'node:crypto';
import { type Errs, duplicate, forbidden, invalid, isOneOf, labelProblems, notSupported, required, subdomainProblems } from './field.js';
import { csrRequestProblem } from './csr.js';
import { isObject, type JsonObject } from '../types.js';

const USAGES = ['any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'signing', 'timestamping'];
const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];
const ALL_STATUS = ['False', 'True', 'Unknown'];

/** upstream ValidateSignerName: `<domain with a dot>/<path of subdomains>`. */
function signerNameProblems(errs: Errs, field: string, name: unknown): void {
  if (typeof name !== 'string' || name === '') return void errs.push(required(field));
  const segments = name.split('/');
  if (segments.length !== 2) return void errs.push(invalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  const [domain, path] = segments as [string, string];
  if (domain.length > 253) errs.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than 253 bytes`, field });
  const labels = domain.split('.');
  for (const l of labels) {
    const problems = labelProblems(l);
    if (problems.length) {
      for (const p of problems) errs.push(invalid(field, domain, `validating label "${l}": ${p}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  if (path.length > 253 + 63 + 1) errs.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${253 + 63 + 1} bytes`, field });
  for (const c of path.split('.')) {
    const problems = subdomainProblems(c);
    if (problems.length) {
      for (const p of problems) errs.push(invalid(field, path, `validating component "${c}": ${p}`));
      break;
    }
  }
}

function certificateProblem(b64: string): string | undefined {
  const text = Buffer.from(b64, 'base64').toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN ([^-\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (!blocks.length) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${b[1]}"`;
    if (/^[\w-]+:/m.test(b[2]!)) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(b[0]);
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return undefined;
}

function conditions(errs: Errs, list: unknown): void {
  if (!Array.isArray(list)) return;
  const seen = new Set<unknown>();
  let approved = false;
  let denied = false;
  list.forEach((c, i) => {
    if (!isObject(c)) return;
    const f = `status.conditions[${i}]`;
    if (!c.type) errs.push(required(`${f}.type`));
    const allowed = isOneOf(c.type, TRUE_ONLY) ? ['True'] : ALL_STATUS;
    if (!c.status) errs.push(required(`${f}.status`));
    else if (!isOneOf(c.status, allowed)) errs.push(notSupported(`${f}.status`, c.status, allowed));
    if (c.type === 'Approved') {
      approved = true;
      if (denied) errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (c.type === 'Denied') {
      denied = true;
      if (approved) errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(c.type)) errs.push(duplicate(`${f}.type`, c.type));
    seen.add(c.type);
  });
}

const statusOf = (o: JsonObject | undefined): JsonObject => (o && isObject(o.status) ? o.status : {});
const count = (o: JsonObject, type: string) => {
  const conditions = statusOf(o).conditions;
  return Array.isArray(conditions) ? conditions.filter((c) => isObject(c) && c.type === type).length : 0;
};

export function validateCertificateSigningRequest(errs: Errs, o: JsonObject, old?: JsonObject): void {
  const s = isObject(o.spec) ? o.spec : {};
  const request = typeof s.request === 'string' ? Buffer.from(s.request, 'base64') : Buffer.alloc(0);
  const problem = csrRequestProblem(request);
  if (problem) errs.push(invalid('spec.request', s.request ?? '', problem));
  const usages = Array.isArray(s.usages) ? s.usages : [];
  if (!usages.length) errs.push(required('spec.usages'));
  const seen = new Set<unknown>();
  usages.forEach((u, i) => {
    if (!isOneOf(u, USAGES)) errs.push(notSupported(`spec.usages[${i}]`, u, USAGES));
    if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  if (s.signerName === 'kubernetes.io/legacy-unknown') errs.push(invalid('spec.signerName', s.signerName, 'the legacy signerName is not allowed via this API version'));
  else signerNameProblems(errs, 'spec.signerName', s.signerName);
  if (typeof s.expirationSeconds === 'number' && s.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  conditions(errs, statusOf(o).conditions);
  const cert = statusOf(o).certificate;
  const oldCert = statusOf(old).certificate;
  if (typeof cert === 'string' && cert && cert !== oldCert) {
    const bad = certificateProblem(cert);
    if (bad) errs.push(invalid('status.certificate', '<certificate data>', bad));
    if (oldCert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  if (!old) return;
  for (const t of TRUE_ONLY) {
    if (count(o, t) < count(old, t)) errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
}
