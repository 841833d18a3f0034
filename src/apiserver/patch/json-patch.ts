// RFC 6902 JSON patch (through fast-json-patch) and RFC 7386 JSON merge patch, with the
// status codes upstream's patch handler answers.
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, apiError } from '../status.js';
import { badPatch, unprocessablePatch } from './errors.js';
import { clone, isObject, type Json, type JsonObject } from './json.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
/** Upstream's cap on operations per JSON patch. */
const MAX_OPERATIONS = 10_000;

/**
 * `doc` with the RFC 6902 operations applied; `doc` is not modified.
 * Throws ApiError 400 when the patch is not an array of operation objects, 413 past 10,000
 * operations, 422 when an operation does not apply (failed test, missing path, unknown op).
 */
export function jsonPatch(doc: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) throw badPatch(`json: cannot unmarshal ${describe(patch)} into Go value of type jsonpatch.Patch`);
  if (patch.some((op) => !isObject(op))) throw badPatch('json: cannot unmarshal operation: not an object');
  if (patch.length > MAX_OPERATIONS) throw tooLarge(patch.length);
  const ops = patch as JsonObject[];
  // Upstream decodes any op string and fails when applying it: a 422, not a 400.
  if (ops.some((op) => typeof op.op !== 'string' || !OPS.has(op.op) || typeof op.path !== 'string')) throw unprocessablePatch();
  try {
    const result = fastJsonPatch.applyPatch(clone(doc), clone(ops) as unknown as Operation[], true, true).newDocument;
    if (!isObject(result)) throw unprocessablePatch();
    return result;
  } catch (e) {
    // JsonPatchError, and the TypeError fast-json-patch throws for __proto__ paths: the patch does not apply.
    if (e instanceof ApiError) throw e;
    throw unprocessablePatch();
  }
}

/**
 * RFC 7386: objects merge recursively, null deletes, anything else replaces.
 * Throws ApiError 400 ("Invalid JSON Patch", as upstream) when the patch is not an object.
 */
export function mergePatch(doc: JsonObject, patch: unknown): JsonObject {
  if (!isObject(patch)) throw badPatch('Invalid JSON Patch');
  return mergeInto(clone(doc), patch);
}

function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (isObject(value)) target[key] = mergeInto(isObject(target[key]) ? (target[key] as JsonObject) : {}, value);
    else target[key] = clone(value as Json);
  }
  return target;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isObject(v)) return 'object';
  return typeof v;
}

const tooLarge = (n: number) => apiError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${n}`);
