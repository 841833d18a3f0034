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
