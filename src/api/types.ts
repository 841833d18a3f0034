// The wire shapes of Kubernetes API objects, as JSON: plain interfaces, no classes, no Dates.
// Everything that reads or writes Pods, Services or Nodes (apiserver, kubelet, scheduler,
// controllers, proxy) uses these; `JsonObject` is for code that is generic over kinds.
import { isDeepStrictEqual } from 'node:util';

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
