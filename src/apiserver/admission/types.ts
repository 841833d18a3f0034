// What admission sees of a write (upstream admission.Attributes): who asks, the operation, the
// resource, and the object with the stored one it replaces, and what a plugin is: a mutating
// part (may change the object; runs before the object is validated) and a validating part
// (judges the object as it would be stored, after defaulting, patching and validation).
import type { ResourceInfo } from '../../api/resources.js';
import type { ObjectMeta } from '../../api/types.js';
import type { UserInfo } from '../auth/types.js';

/**
 * An object as admission sees it: a stored kind's object, or a subresource's body (Eviction,
 * TokenRequest); kind-specific fields are read by narrowing (storage/fields.ts).
 */
export interface Obj {
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface AdmissionAttributes {
  /** Who asks; undefined for the server's own writes (no request in scope). */
  user?: UserInfo;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  group: string;
  /** The plural, e.g. `pods`. */
  resource: string;
  /** '' unless the request is on a subresource (status, binding, eviction...). */
  subresource: string;
  namespace: string;
  /** The object's name; '' on a create by generateName before its name is known. */
  name: string;
  /** The object to store (CREATE, UPDATE); absent on DELETE. Mutating plugins change it in place. */
  object?: Obj;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: Obj;
  dryRun: boolean;
}

/** The attributes of a write some request asked for: the requester is known. */
export type RequestAttributes = AdmissionAttributes & { user: UserInfo };

/** What the storage hands to admission: the attributes without the user (the request scope knows it). */
export type WriteAttributes = Omit<AdmissionAttributes, 'user'>;

/**
 * One admission plugin. Each part resolves to let the write go on and rejects with an
 * ApiError (403, 400, 404...) to refuse it.
 */
export interface AdmissionPlugin {
  /** Upstream's plugin name (LimitRanger, NodeRestriction...). */
  readonly name: string;
  /** Mutating admission: defaults and computed fields, written into `a.object`. */
  admit?(a: AdmissionAttributes): Promise<void> | void;
  /** Validating admission: `a.object` is final here and must not be changed. */
  validate?(a: AdmissionAttributes): Promise<void> | void;
}

/** Reads other objects for a plugin, live from the storage. */
export interface ObjectReader {
  /** undefined when absent; rejects with the storage's ApiError otherwise. */
  get(r: ResourceInfo, namespace: string, name: string): Promise<Obj | undefined>;
  /** Every object of the resource in `namespace` ('' for cluster-scoped ones). */
  list(r: ResourceInfo, namespace: string): Promise<Obj[]>;
}
