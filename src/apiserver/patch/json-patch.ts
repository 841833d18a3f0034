// RFC 6902 JSON patch and RFC 7386 JSON merge patch, with the status codes upstream's patch
// handler answers. Both walk and write own properties only (own-keys.ts): a pointer segment or
// a merge key such as `__proto__` or `constructor` is an ordinary key, as it is for Go.
import { ownValue, setOwn } from '../../own-keys.js';
import { ApiError, apiError } from '../status.js';
import { badPatch, unprocessablePatch } from './errors.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject } from './json.js';

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
  let result: Json = clone(doc);
  try {
    for (const op of ops) result = applyOperation(result, op);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw unprocessablePatch();
  }
  if (!isObject(result)) throw unprocessablePatch();
  return result;
}

/** Thrown inside the walk when an operation does not apply; mapped to the 422 above. */
class DoesNotApply extends Error {}

function applyOperation(doc: Json, op: JsonObject): Json {
  const path = pointer(op.path as string);
  const has = Object.hasOwn(op, 'value');
  const value = op.value;
  switch (op.op) {
    case 'add':
      if (!has) throw new DoesNotApply('missing value');
      return add(doc, path, clone(value!));
    case 'remove':
      return remove(doc, path).doc;
    case 'replace':
      if (!has) throw new DoesNotApply('missing value');
      return add(remove(doc, path).doc, path, clone(value!));
    case 'test':
      if (!jsonEqual(get(doc, path), has ? value : undefined)) throw new DoesNotApply('test failed');
      return doc;
    case 'move': {
      if (typeof op.from !== 'string') throw new DoesNotApply('missing from');
      const taken = remove(doc, pointer(op.from));
      return add(taken.doc, path, taken.value);
    }
    default: { // copy
      if (typeof op.from !== 'string') throw new DoesNotApply('missing from');
      const found = get(doc, pointer(op.from));
      if (found === undefined) throw new DoesNotApply('missing from');
      return add(doc, path, clone(found));
    }
  }
}

/** RFC 6901: '' is the whole document; '/a~1b/~0c' is ['a/b', '~c']. */
function pointer(text: string): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new DoesNotApply(`bad pointer ${text}`);
  return text.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** An array index: digits without leading zeros, below `limit` (inclusive when adding). */
function index(segment: string, length: number, adding: boolean): number {
  if (adding && segment === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(segment)) throw new DoesNotApply(`bad index ${segment}`);
  const i = Number(segment);
  if (i > length || (!adding && i === length)) throw new DoesNotApply(`index ${segment} out of range`);
  return i;
}

/** The value at `path`, undefined when any segment is missing (inherited members count as missing). */
function get(doc: Json, path: string[]): Json | undefined {
  let node: Json | undefined = doc;
  for (const segment of path) {
    if (Array.isArray(node)) node = /^(0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
    else if (isObject(node)) node = ownValue(node, segment);
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** The container holding the last segment of `path`. */
function parentOf(doc: Json, path: string[]): Json {
  const parent = get(doc, path.slice(0, -1));
  if (parent === undefined || (!Array.isArray(parent) && !isObject(parent))) throw new DoesNotApply('missing parent');
  return parent;
}

function add(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(index(last, parent.length, true), 0, value);
  else setOwn(parent as JsonObject, last, value);
  return doc;
}

function remove(doc: Json, path: string[]): { doc: Json; value: Json } {
  if (path.length === 0) throw new DoesNotApply('cannot remove the document');
  const parent = parentOf(doc, path);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) return { doc, value: parent.splice(index(last, parent.length, false), 1)[0]! };
  const value = ownValue(parent as JsonObject, last);
  if (value === undefined) throw new DoesNotApply(`missing key ${last}`);
  Reflect.deleteProperty(parent as JsonObject, last);
  return { doc, value };
}

/**
 * RFC 7386: objects merge recursively, null deletes, anything else replaces.
 * Throws ApiError 400 ("Invalid JSON Patch", as upstream) when the patch is not an object.
 */
export function mergePatch(doc: JsonObject, patch: unknown): JsonObject {
  if (!isObject(patch)) throw badPatch('Invalid JSON Patch');
  return mergeInto(clone(doc), patch);
}

/** Keys are the patch's data: own properties only, so `__proto__` or `constructor` are ordinary keys. */
function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      Reflect.deleteProperty(target, key);
    } else if (isObject(value)) {
      const current = ownValue(target, key);
      setOwn(target, key, mergeInto(isObject(current) ? current : {}, value));
    } else {
      setOwn(target, key, clone(value as Json));
    }
  }
  return target;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isObject(v)) return 'object';
  return typeof v;
}

const tooLarge = (n: number) => apiError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${n}`);
