// Object metadata the server owns (uid, creationTimestamp, generation, generateName, the
// deletion fields): the pieces every resource strategy (strategies/) is built from.
import { randomBytes, randomUUID } from 'node:crypto';
import type { StatusCause } from '../status.js';
import type { Obj } from './codec.js';

/** Kubernetes timestamps: RFC 3339 in seconds. */
export const timestamp = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

// The alphabet of utilrand.String: no vowels, no confusable digits.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generatedName(base: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
  return `${base.length > 58 ? base.slice(0, 58) : base}${suffix}`;
}

/** Who sent a request, as a CertificateSigningRequest records its requestor. */
export interface Requestor { name: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

/** Server-set metadata of a new object; the request's copies are dropped. Never throws. */
export function resetServerMetadata(obj: Obj, now: Date, tracksGeneration: boolean): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = timestamp(now);
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.resourceVersion;
  delete m.selfLink;
  if (tracksGeneration) m.generation = 1;
  else delete m.generation;
}

/** next[field] as it is in old (absent when absent there). Never throws. */
export function keep(next: Obj, old: Obj, field: 'spec' | 'status'): void {
  if (old[field] === undefined) delete next[field];
  else next[field] = old[field];
}

/** What no client write changes: uid, creation, namespace, the deletion fields. Never throws. */
export function carryServerMetadata(next: Obj, old: Obj): void {
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.namespace = o.namespace;
  if (o.deletionTimestamp) {
    m.deletionTimestamp = o.deletionTimestamp;
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  // Requests cannot set generation (upstream BeforeUpdate); strategies that track it bump it.
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
}

/** next.metadata[field] as it is in old (absent when absent there). Never throws. */
export function keepMeta(next: Obj, old: Obj, field: 'labels' | 'ownerReferences'): void {
  const m = next.metadata;
  if (field === 'labels') m.labels = old.metadata.labels;
  else m.ownerReferences = old.metadata.ownerReferences;
  if (m[field] === undefined) delete m[field];
}

const PATH_SEGMENT_BAD = ['/', '%'];
/** Upstream's generic name check (path segment); per-type rules come from src/api validation. */
export function nameCauses(name: unknown, generateName: unknown): StatusCause[] {
  if (typeof name !== 'string' || name === '') {
    return generateName ? [] : [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }];
  }
  if (name === '.' || name === '..' || PATH_SEGMENT_BAD.some((c) => name.includes(c))) {
    return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": may not contain '/' or '%' and may not be '.' or '..'`, field: 'metadata.name' }];
  }
  return [];
}
