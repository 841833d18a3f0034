// Core kinds other than pods and services (upstream core ValidateNamespace, ValidateSecret,
// ValidateConfigMap and their updates): namespace finalizers, data keys, secret types' required
// keys, and the `immutable: true` lock.
import { configKeyProblems, duplicate, type Errs, forbidden, immutable, invalid, qualifiedNameProblems, required, tooLong } from './field.js';
import { sameJson } from './pod.js';
import { isObject, type JsonObject } from '../types.js';
import { ownValue } from '../../own-keys.js';

const MAX_DATA = 1024 * 1024;
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];
const LOCKED = 'field is immutable when `immutable` is set';

const emptyish = (v: unknown) => v == null || (isObject(v) && Object.keys(v).length === 0);
const same = (a: unknown, b: unknown) => (emptyish(a) && emptyish(b)) || sameJson(a, b);

/** Problems with a finalizer name: qualified, and unqualified only for the standard ones. */
export function finalizerProblems(v: string, kube: boolean): string[] {
  const out = qualifiedNameProblems(v);
  if (out.length === 0 && kube && !v.includes('/') && !STANDARD_FINALIZERS.includes(v)) out.push('name is neither a standard finalizer name nor is it fully qualified');
  return out;
}

export function validateNamespace(errs: Errs, o: JsonObject): void {
  const fins = isObject(o.spec) && Array.isArray(o.spec.finalizers) ? o.spec.finalizers : [];
  for (const f of fins) for (const m of finalizerProblems(String(f), true)) errs.push(invalid('spec.finalizers', f, m));
}

function dataKeys(errs: Errs, o: JsonObject): void {
  for (const field of ['data', 'binaryData', 'stringData'] as const) {
    const map = o[field];
    if (!isObject(map)) continue;
    for (const k of Object.keys(map)) for (const m of configKeyProblems(k)) errs.push(invalid(field, k, m));
  }
  const { data, binaryData } = o;
  if (isObject(data) && isObject(binaryData)) {
    for (const k of Object.keys(binaryData)) if (Object.hasOwn(data, k)) errs.push(duplicate(`data[${k}]`, k));
  }
}

const decoded = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : '', 'base64');

/** A secret's value for `key`, from stringData (plain) or data (base64), as it will be stored. */
function secretValue(o: JsonObject, key: string): Buffer | undefined {
  const plain = isObject(o.stringData) ? ownValue(o.stringData, key) : undefined;
  if (typeof plain === 'string') return Buffer.from(plain);
  if (isObject(o.data) && Object.hasOwn(o.data, key)) return decoded(ownValue(o.data, key));
  return undefined;
}

function secretType(errs: Errs, o: JsonObject): void {
  const need = (key: string) => {
    if (secretValue(o, key) === undefined) errs.push(required(`data[${key}]`));
  };
  const json = (key: string) => {
    const v = secretValue(o, key);
    if (v === undefined) return void errs.push(required(`data[${key}]`));
    try {
      JSON.parse(v.toString('utf8'));
    } catch (err) {
      errs.push(invalid(`data[${key}]`, '<secret contents redacted>', (err as Error).message));
    }
  };
  switch (o.type) {
    case 'kubernetes.io/service-account-token': {
      const name = isObject(o.metadata) && isObject(o.metadata.annotations) ? o.metadata.annotations['kubernetes.io/service-account.name'] : undefined;
      if (!name) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    }
    case 'kubernetes.io/dockercfg': json('.dockercfg'); break;
    case 'kubernetes.io/dockerconfigjson': json('.dockerconfigjson'); break;
    case 'kubernetes.io/basic-auth':
      if (secretValue(o, 'username') === undefined && secretValue(o, 'password') === undefined) {
        errs.push(required('data[username]'), required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!secretValue(o, 'ssh-privatekey')?.length) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls': need('tls.crt'); need('tls.key'); break;
    default:
  }
}

export function validateSecret(errs: Errs, o: JsonObject, old?: JsonObject): void {
  dataKeys(errs, o);
  secretType(errs, o);
  let size = 0;
  for (const [k, v] of Object.entries(isObject(o.data) ? o.data : {})) size += k.length + decoded(v).length;
  for (const [k, v] of Object.entries(isObject(o.stringData) ? o.stringData : {})) size += k.length + Buffer.byteLength(String(v));
  if (size > MAX_DATA) errs.push(tooLong('data', MAX_DATA));
  if (!old) return;
  if (old.type !== undefined && o.type !== old.type) errs.push(immutable('type', o.type));
  if (old.immutable === true) {
    if (o.immutable !== true) errs.push(forbidden('immutable', LOCKED));
    // stringData is folded into data when stored, so any of it is a change to data.
    if (!same(o.data, old.data) || !emptyish(o.stringData)) errs.push(forbidden('data', LOCKED));
  }
}

export function validateConfigMap(errs: Errs, o: JsonObject, old?: JsonObject): void {
  dataKeys(errs, o);
  // Upstream also caps a ConfigMap at 1 MiB (422); not here yet: the apiserver's tests use a
  // 1.6 MiB ConfigMap to reach the store's 1.5 MiB limit (413).
  if (old?.immutable === true) {
    if (o.immutable !== true) errs.push(forbidden('immutable', LOCKED));
    if (!same(o.data, old.data)) errs.push(forbidden('data', LOCKED));
    if (!same(o.binaryData, old.binaryData)) errs.push(forbidden('binaryData', LOCKED));
  }
}
