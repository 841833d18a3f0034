// How objects live in the store: JSON bytes without resourceVersion (the store's modRevision is
// the resourceVersion, set on the way out), under upstream-shaped keys
// /registry/<group|core>/<plural>/<namespace>/<name> (cluster-scoped: no namespace segment).
import type { KeyValue } from '../../store/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { groupVersion } from '../../api/resources.js';
import { internalError } from '../status.js';

export type Obj = Record<string, any>;

/** Prefix of every object of `r`, ending in '/'. Never throws. */
export const resourcePrefix = (r: ResourceInfo): string => `/registry/${r.group || 'core'}/${r.plural}/`;

/** Prefix of the objects of `r` in `namespace` (all namespaces / cluster scope when empty). */
export const listPrefix = (r: ResourceInfo, namespace: string): string =>
  (r.namespaced && namespace ? `${resourcePrefix(r)}${namespace}/` : resourcePrefix(r));

export const objectKey = (r: ResourceInfo, namespace: string, name: string): string =>
  (r.namespaced ? `${resourcePrefix(r)}${namespace}/${name}` : `${resourcePrefix(r)}${name}`);

/** Serializes without resourceVersion, so an unchanged object serializes to the same bytes. Never throws. */
export function encode(obj: Obj): Buffer {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return Buffer.from(JSON.stringify({ ...obj, metadata: meta }));
}

/** The stored object with its resourceVersion. Throws ApiError 500 on corrupt bytes. */
export function decode(kv: KeyValue): Obj {
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
  const rest = key.slice(resourcePrefix(r).length).split('/');
  const [namespace, name] = r.namespaced && rest.length > 1 ? [rest[0], rest.slice(1).join('/')] : [undefined, rest.join('/')];
  return { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision) } };
}
