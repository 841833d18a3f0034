// What validating admission sees of a write (upstream admission.Attributes): who asks, the
// operation, the resource, and the object as it would be stored (after defaulting, patching
// and validation) with the stored one it replaces.
import type { UserInfo } from '../auth/types.js';

export type Obj = Record<string, any>;

export interface AdmissionAttributes {
  user: UserInfo;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  group: string;
  /** The plural, e.g. `pods`. */
  resource: string;
  /** '' unless the request is on a subresource (status, binding, eviction...). */
  subresource: string;
  namespace: string;
  /** The object's name; '' on a create by generateName before its name is known. */
  name: string;
  /** The object to store (CREATE, UPDATE); absent on DELETE. */
  object?: Obj;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: Obj;
  dryRun: boolean;
}

/** A validating admission plugin: resolves to let the write go on, rejects with an ApiError (403, 400, 404...) to refuse it. */
export type Admit = (a: AdmissionAttributes) => Promise<void>;

/** What the storage hands to admission: the attributes without the user (the request scope knows it). */
export type WriteAttributes = Omit<AdmissionAttributes, 'user'>;
