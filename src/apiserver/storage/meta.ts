// Object metadata the server owns (uid, creationTimestamp, generation, generateName, the
// deletion fields) and the status/spec split of types with a status subresource, as the
// upstream registry strategies do it (PrepareForCreate / PrepareForUpdate).
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ResourceInfo } from '../../api/resources.js';
import type { StatusCause } from '../status.js';
import type { Obj } from './codec.js';

/** Types whose metadata.generation tracks spec changes (upstream strategies that set it). */
const GENERATION = new Set(['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'ingresses',
  'networkpolicies', 'poddisruptionbudgets', 'ingressclasses', 'persistentvolumeclaims']);

export const hasStatus = (r: ResourceInfo): boolean => Boolean(r.subresources?.includes('status'));
export const tracksGeneration = (r: ResourceInfo): boolean => GENERATION.has(r.plural);

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

/** Server-set metadata for a new object; status reset for types that own it by subresource. Never throws. */
export function prepareForCreate(r: ResourceInfo, obj: Obj, now: Date): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = timestamp(now);
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.resourceVersion;
  delete m.selfLink;
  if (tracksGeneration(r)) m.generation = 1;
  else delete m.generation;
  if (r.plural === 'namespaces') {
    obj.spec = { ...(obj.spec ?? {}), finalizers: obj.spec?.finalizers ?? ['kubernetes'] };
    obj.status = { phase: 'Active' };
  } else if (r.plural === 'pods') {
    obj.status = { phase: 'Pending' };
  } else if (hasStatus(r)) {
    obj.status = {};
  }
}

/**
 * Carries over what a client cannot change on update (uid, creation, deletion fields), keeps the
 * status of types with a status subresource, and bumps generation on a spec change. Never throws.
 */
export function prepareForUpdate(r: ResourceInfo, next: Obj, old: Obj): void {
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
  if (hasStatus(r)) {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  if (tracksGeneration(r)) {
    m.generation = (o.generation ?? 1) + (isDeepStrictEqual(next.spec, old.spec) ? 0 : 1);
  }
}

/** A status update changes only status (upstream status strategies): the rest stays as stored. */
export function statusOnly(next: Obj, old: Obj): Obj {
  return { ...old, metadata: { ...old.metadata, resourceVersion: next.metadata?.resourceVersion }, status: next.status };
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
