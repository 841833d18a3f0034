// JSON value helpers shared by the patch flavours.
import { isDeepStrictEqual } from 'node:util';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export const jsonEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/** A deep copy of a JSON value (objects from JSON.parse only: no dates, no undefined). */
export const clone = <T>(v: T): T => structuredClone(v);
