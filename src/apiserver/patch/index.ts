// Patches and server-side apply as pure functions of (current object, request body).
// See README.md for what flows through them.
import { badPatch, unsupportedPatchType } from './errors.js';
import { isObject, type JsonObject } from './json.js';
import { jsonPatch, mergePatch } from './json-patch.js';
import { kindMeta, type Gvk } from './schema.js';
import { strategicMerge } from './strategic.js';

export { serverSideApply, type ApplyOptions } from './apply.js';
export { updateManagedFields } from './managed-fields.js';
export { PATCH_TYPES } from './errors.js';
export type { Gvk } from './schema.js';

/**
 * The object `current` becomes under a JSON patch, JSON merge patch or strategic merge patch
 * (`contentType` without parameters, e.g. 'application/merge-patch+json'). `patch` is the
 * parsed body, or its text/bytes (then a JSON syntax error is a 400). `current` is not modified.
 * Throws ApiError 415 for other content types (apply patches go to serverSideApply), 400 for
 * unreadable patches, 422 when a JSON patch operation does not apply (failed test, missing
 * path) or a strategic patch does not fit the object.
 */
export function applyPatch(contentType: string, current: object, patch: unknown, gvk: Gvk): object {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const doc = current as JsonObject;
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(doc, parseBody(patch));
    case 'application/merge-patch+json':
      return mergePatch(doc, parseBody(patch));
    case 'application/strategic-merge-patch+json': {
      const body = parseBody(patch);
      if (!isObject(body)) throw badPatch(`json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type map[string]interface {}`);
      return strategicMerge(doc, body, kindMeta(gvk));
    }
    default:
      throw unsupportedPatchType();
  }
}

function parseBody(patch: unknown): unknown {
  if (typeof patch !== 'string' && !(patch instanceof Uint8Array)) return patch;
  const text = typeof patch === 'string' ? patch : Buffer.from(patch).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badPatch((e as Error).message);
  }
}
