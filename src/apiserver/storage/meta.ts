// Object metadata the server owns (uid, creationTimestamp, generation, generateName, the
// deletion fields) and the status/spec split of types with a status subresource, as the
// upstream registry strategies do it (PrepareForCreate / PrepareForUpdate).
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { podQosClass } from '../../api/qos.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { StatusCause } from '../status.js';
import type { Obj } from './codec.js';

/** Types whose metadata.generation tracks spec changes (upstream strategies that set it). */
const GENERATION = new Set(['replicationcontrollers', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'ingresses',
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

/** Who sent a request, as a CertificateSigningRequest records its requestor. */
export interface Requestor { name: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

/**
 * Server-set metadata for a new object; status reset for types that own it by subresource.
 * A CSR's requestor fields come from `user`, never from the body (upstream csrStrategy). Never throws.
 */
export function prepareForCreate(r: ResourceInfo, obj: Obj, now: Date, user?: Requestor): void {
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
  } else if (r.plural === 'certificatesigningrequests') {
    csrRequestor(obj, user);
    obj.status = {};
  } else if (hasStatus(r)) {
    obj.status = {};
  }
}

/** The part of PrepareForCreate that needs the admitted spec (after LimitRange defaults): a pod's status.qosClass. Never throws. */
export function prepareAdmittedForCreate(r: ResourceInfo, obj: Obj): void {
  if (r.plural !== 'pods') return;
  obj.status = { ...(obj.status ?? {}), qosClass: podQosClass(obj.spec) };
}

/**
 * Carries over what a client cannot change on update (uid, creation, deletion fields), keeps the
 * status of types with a status subresource, and bumps generation on a spec change. Never throws.
 */
export function prepareForUpdate(r: ResourceInfo, next: Obj, old: Obj): void {
  carryServerMetadata(next, old);
  if (hasStatus(r)) {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  // A CSR is immutable but for its subresources and metadata.
  if (r.plural === 'certificatesigningrequests') keep(next, old, 'spec');
  const m = next.metadata;
  if (tracksGeneration(r)) {
    m.generation = (old.metadata.generation ?? 1) + (isDeepStrictEqual(next.spec, old.spec) ? 0 : 1);
  }
}

function csrRequestor(obj: Obj, user: Requestor | undefined): void {
  if (obj.spec === null || typeof obj.spec !== 'object' || Array.isArray(obj.spec)) return;
  for (const f of ['username', 'uid', 'groups', 'extra']) delete obj.spec[f];
  if (!user) return;
  obj.spec.username = user.name;
  if (user.uid) obj.spec.uid = user.uid;
  if (user.groups?.length) obj.spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) obj.spec.extra = structuredClone(user.extra);
}

const keep = (next: Obj, old: Obj, field: string) => {
  if (old[field] === undefined) delete next[field];
  else next[field] = old[field];
};

/** What no client write changes: uid, creation, namespace, the deletion fields. Never throws. */
function carryServerMetadata(next: Obj, old: Obj): void {
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

/**
 * A write to the status (or a CSR's approval) subresource, as upstream's status strategies
 * prepare it: spec stays as stored, metadata changes (labels, annotations, finalizers...) go
 * through, except where a strategy resets more (a Deployment's labels, a Pod's owner
 * references, a CSR's conditions on /status and everything but them on /approval).
 */
export function statusOnly(r: ResourceInfo, next: Obj, old: Obj, subresource: 'status' | 'approval'): Obj {
  const out: Obj = { ...next, metadata: { ...(next.metadata ?? {}) } };
  carryServerMetadata(out, old);
  keep(out, old, 'spec');
  if (r.plural === 'deployments') keepMeta(out, old, 'labels');
  if (r.plural === 'pods') keepMeta(out, old, 'ownerReferences');
  if (r.plural === 'certificatesigningrequests') {
    const conditions = subresource === 'approval' ? next.status?.conditions : old.status?.conditions;
    const status: Obj = { ...(subresource === 'approval' ? old.status : next.status) };
    if (conditions === undefined) delete status.conditions;
    else status.conditions = conditions;
    out.status = status;
  }
  return out;
}

function keepMeta(next: Obj, old: Obj, field: string): void {
  if (old.metadata[field] === undefined) delete next.metadata[field];
  else next.metadata[field] = old.metadata[field];
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
