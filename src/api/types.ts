// The wire shapes of Kubernetes API objects, as JSON: plain object types, no classes, no Dates.
// Everything that reads or writes Pods, Services or Nodes (apiserver, kubelet, scheduler,
// controllers, proxy) uses these; `JsonObject` is for code that is generic over kinds.
// The per-kind types (Pod, PodSpec, Container, Service, Node...) are generated from the
// kubernetes-models schemas into types.generated.ts; the meta every kind shares is written
// here by hand. All are type aliases, not interfaces, so that a Pod is also a KubeObject and
// a JsonObject without a cast.
import { isDeepStrictEqual } from 'node:util';

export type * from './types.generated.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON object (not null, not an array). */
export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export const jsonEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/** A deep copy of a JSON value (objects from JSON.parse only: no dates, no undefined). */
export const clone = <T>(v: T): T => structuredClone(v);

/** Group, version and kind; group is '' for the core API. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export type TypeMeta = {
  apiVersion?: string;
  kind?: string;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type ManagedFieldsEntry = {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: JsonObject;
  subresource?: string;
};

export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
};

export type ListMeta = {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
};

export type StatusCause = {
  reason?: string;
  message?: string;
  field?: string;
};

export type StatusDetails = {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
};

/** metav1.Status: the body of every API error and of some deletes. */
export type Status = TypeMeta & {
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
};

/** Any stored API object: known metadata, the rest kind-specific JSON. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}
