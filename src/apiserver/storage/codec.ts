// How objects live in the store: JSON bytes without resourceVersion (the store's modRevision is
// the resourceVersion, set on the way out), under upstream-shaped keys
// /registry/<group|core>/<plural>/<namespace>/<name> (cluster-scoped: no namespace segment).
import type { KeyValue } from '../../store/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { groupVersion } from '../../api/resources.js';
import { storageConversion } from '../../api/conversion.js';
import type { KubeList, KubeObject } from '../../api/types.js';
import { internalError } from '../status.js';

export type Obj = KubeObject;
/** What list answers: the items with the list's kind and resourceVersion. */
export type ObjList = KubeList<Obj> & { kind: string; apiVersion: string };

/** Prefix of every object of `r` (of the resource it is stored as), ending in '/'. Never throws. */
export const resourcePrefix = (r: ResourceInfo): string => {
  const s = storageConversion(r)?.storage ?? r;
  return `/registry/${s.group || 'core'}/${s.plural}/`;
};

/** Prefix of the objects of `r` in `namespace` (all namespaces / cluster scope when empty). */
export const listPrefix = (r: ResourceInfo, namespace: string): string =>
  (r.namespaced && namespace ? `${resourcePrefix(r)}${namespace}/` : resourcePrefix(r));

export const objectKey = (r: ResourceInfo, namespace: string, name: string): string =>
  (r.namespaced ? `${resourcePrefix(r)}${namespace}/${name}` : `${resourcePrefix(r)}${name}`);

/**
 * Serializes without resourceVersion, so an unchanged object serializes to the same bytes;
 * an object of `r` stored as another version is converted first. Never throws.
 */
export function encode(obj: Obj, r?: ResourceInfo): Buffer {
  const conversion = r && storageConversion(r);
  const stored = conversion ? conversion.toStored(obj) : obj;
  const { resourceVersion: _rv, ...meta } = stored.metadata ?? {};
  return Buffer.from(JSON.stringify({ ...stored, metadata: meta }));
}

/**
 * The stored object with its resourceVersion, as `r` serves it when given (else as stored).
 * Throws ApiError 500 on corrupt bytes.
 */
export function decode(kv: KeyValue, r?: ResourceInfo): Obj {
  const obj = decodeStored(kv);
  return r ? served(r, obj) : obj;
}

/** A stored object as `r` serves it (a copy when converted; the same object otherwise). Never throws. */
export function served(r: ResourceInfo, stored: Obj): Obj {
  const conversion = storageConversion(r);
  // (the conversions are typed loosely: their output is a served object of `r`)
  return conversion ? conversion.toServed(stored) as Obj : stored;
}

function decodeStored(kv: KeyValue): Obj {
  let obj: Obj;
  try {
    obj = JSON.parse(kv.value.toString('utf8')) as Obj;
  } catch (err) {
    throw internalError(`corrupt object at ${kv.key}: ${(err as Error).message}`);
  }
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(kv.modRevision) };
  return obj;
}

export const apiVersionOf = (r: ResourceInfo): string => groupVersion(r);

/**
 * The object a DELETED event carries when the backend no longer has the deleted value (etcd
 * cannot give a deletion's previous value once that revision is compacted): kind, name,
 * namespace and the deletion's resourceVersion, enough for clients to drop it from caches.
 * Never throws.
 */
export function tombstone(r: ResourceInfo, key: string, revision: number): Obj {
  // In the stored shape, like every object the watch cache holds; readers convert it.
  const s = storageConversion(r)?.storage ?? r;
  const rest = key.slice(resourcePrefix(r).length).split('/');
  const [namespace, name] = r.namespaced && rest.length > 1 ? [rest[0], rest.slice(1).join('/')] : [undefined, rest.join('/')];
  return { apiVersion: apiVersionOf(s), kind: s.kind, metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision) } };
}
