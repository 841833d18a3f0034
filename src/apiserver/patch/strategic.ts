// Strategic merge patch (k8s.io/apimachinery strategicpatch semantics): maps merge, lists
// replace unless their field says `merge` (then objects merge by the field's merge key and
// primitives union), plus the directives kubectl sends: `$patch`, `$retainKeys`,
// `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`, and null to delete.
import { ownValue, setOwn } from '../../own-keys.js';
import { badPatch, unprocessablePatch } from './errors.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject } from './json.js';
import { fieldMeta, type FieldMeta } from './schema.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * `original` with `patch` merged in; neither argument is modified.
 * Throws ApiError 400 for malformed directives (as upstream's ErrBadPatchFormat*, missing
 * merge keys, content outside `$retainKeys`), 422 for lists of lists.
 */
export function strategicMerge(original: JsonObject, patch: JsonObject, meta: FieldMeta): JsonObject {
  return mergeMap(clone(original), clone(patch), meta);
}

function mergeMap(original: JsonObject, patch: JsonObject, meta: FieldMeta): JsonObject {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === 'delete') return {};
    const rest = { ...patch };
    delete rest[PATCH];
    if (directive === 'replace') return mergeMap({}, rest, meta);
    // 'merge' is the default behaviour spelled out.
    if (directive !== 'merge') throw badPatch(`unknown patch type: ${typeof directive === 'string' ? directive : JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
    patch = rest;
  }
  applyRetainKeys(original, patch);
  const ordered = applySetElementOrder(original, patch, meta);
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || ordered.has(key)) continue;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      deleteFromPrimitiveList(original, key.slice(DELETE_PRIMITIVE.length), value);
      continue;
    }
    if (value === null) {
      Reflect.deleteProperty(original, key);
      continue;
    }
    // Keys are the patch's data: own properties only, so `__proto__` or `constructor` are ordinary keys.
    const field = fieldMeta(meta, key);
    const current = ownValue(original, key);
    if (isObject(current) && isObject(value)) setOwn(original, key, field.strategy === 'replace' ? mergeMap({}, value, field) : mergeMap(current, value, field));
    else if (Array.isArray(current) && Array.isArray(value)) setOwn(original, key, mergeList(current, value, field));
    else setOwn(original, key, fresh(value, field));
  }
  return original;
}

/** A patch value for a field the original lacks: directives applied, nulls dropped (upstream ignores unmatched nulls). */
function fresh(value: Json, field: FieldMeta): Json {
  if (isObject(value)) return mergeMap({}, value, field);
  if (Array.isArray(value)) return mergeList([], value, field);
  return value;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keep = ownValue(patch, RETAIN_KEYS);
  if (!Array.isArray(keep) || keep.some((k) => typeof k !== 'string')) throw badPatch('invalid patch format of retainKeys');
  const retained = new Set(keep as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$') || value === null) continue;
    if (!retained.has(key)) throw badPatch('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) Reflect.deleteProperty(original, key);
}

function deleteFromPrimitiveList(original: JsonObject, field: string, values: Json | undefined): void {
  if (!Array.isArray(values)) throw badPatch('invalid patch format of primitive list');
  const list = ownValue(original, field);
  if (!Array.isArray(list)) return;
  setOwn(original, field, list.filter((item) => !values.some((v) => jsonEqual(v, item))));
}

/** Merges each list that has a `$setElementOrder` and puts it in that order; returns the fields it handled. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, meta: FieldMeta): Set<string> {
  const handled = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const name = key.slice(SET_ORDER.length);
    const field = fieldMeta(meta, name);
    if (!Array.isArray(order)) throw badPatch('invalid patch format of setElementOrder list');
    const identity = identityOf(field);
    if (field.mergeKey && order.some((o) => !isObject(o) || ownValue(o, field.mergeKey!) === undefined)) throw badPatch('invalid patch format of setElementOrder list');
    const current = ownValue(original, name);
    const before = Array.isArray(current) ? current : undefined;
    const patchList = ownValue(patch, name);
    if (patchList === null) continue; // the list is deleted; nothing to order
    if (patchList !== undefined && !Array.isArray(patchList)) continue; // a type change: the plain merge handles it
    if (patchList) {
      const orderIds = order.map(identity);
      const listed = patchList.filter((item) => !(isObject(item) && item[PATCH] !== undefined));
      if (listed.some((item) => !orderIds.some((id) => jsonEqual(id, identity(item))))) throw badPatch('invalid patch format of setElementOrder list');
    }
    if (!before && !patchList) continue;
    const merged = before && patchList ? mergeList(before, patchList, field) : before ?? fresh(patchList!, field) as Json[];
    const inOrder = (item: Json) => order.some((o) => jsonEqual(identity(o), identity(item)));
    setOwn(original, name, normalizeOrder(merged.filter(inOrder), merged.filter((i) => !inOrder(i)), order, before ?? [], identity));
    handled.add(name);
  }
  return handled;
}

/** What identifies a list item: its merge key's value for objects, itself for primitives. */
const identityOf = (field: FieldMeta) => (item: Json | undefined): Json | undefined =>
  field.mergeKey && isObject(item) ? ownValue(item, field.mergeKey) : item;

function mergeList(original: Json[], patch: Json[], field: FieldMeta): Json[] {
  if (field.strategy !== 'merge') return patch;
  if (original.length === 0 && patch.length === 0) return original;
  if ([...original, ...patch].some(Array.isArray)) throw unprocessablePatch(); // lists of lists are not supported
  const ofObjects = patch.length > 0 ? isObject(patch[0]) : isObject(original[0]);
  if (!ofObjects) {
    const merged: Json[] = [];
    for (const item of [...original, ...patch]) if (!merged.some((m) => jsonEqual(m, item))) merged.push(item);
    const inPatch = (item: Json) => patch.some((p) => jsonEqual(p, item));
    return normalizeOrder(merged.filter(inPatch), merged.filter((i) => !inPatch(i)), patch, original, (x) => x);
  }
  const mergeKey = field.mergeKey;
  if (!mergeKey) throw badPatch('cannot merge lists without merge key');
  const { base, items } = applyListDirectives(original, patch, mergeKey);
  const merged = [...base];
  for (const item of items) {
    if (!isObject(item) || ownValue(item, mergeKey) === undefined) throw badPatch(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const at = merged.findIndex((m) => isObject(m) && jsonEqual(ownValue(m, mergeKey), ownValue(item, mergeKey)));
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, field);
    else merged.push(mergeMap({}, item, field));
  }
  const identity = identityOf(field);
  const inPatch = (item: Json) => items.some((p) => jsonEqual(identity(p), identity(item)));
  return normalizeOrder(merged.filter(inPatch), merged.filter((i) => !inPatch(i)), items, base, identity);
}

/** Items carrying `$patch`: delete removes the original's item, replace drops the original list. */
function applyListDirectives(original: Json[], patch: Json[], mergeKey: string): { base: Json[]; items: Json[] } {
  let base = original;
  let replace = false;
  const items: Json[] = [];
  for (const item of patch) {
    const directive = isObject(item) ? item[PATCH] : undefined;
    if (directive === undefined) {
      items.push(item);
    } else if (directive === 'delete') {
      const key = ownValue(item as JsonObject, mergeKey);
      if (key === undefined) throw badPatch('delete patch type with no merge key defined');
      base = base.filter((o) => !(isObject(o) && jsonEqual(ownValue(o, mergeKey), key)));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw badPatch('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatch(`unknown patch type: ${typeof directive === 'string' ? directive : JSON.stringify(directive)} in map: ${JSON.stringify(item)}`);
    }
  }
  return replace ? { base: [], items } : { base, items };
}

/**
 * Upstream's order for a merged list: the patch's items in the patch's order, the server-only
 * items in the server's order, interleaved where both were in the server's list by their
 * relative position there.
 */
function normalizeOrder(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], identity: (j: Json | undefined) => Json | undefined): Json[] {
  const indexIn = (list: Json[], item: Json) => list.findIndex((x) => jsonEqual(identity(x), identity(item)));
  const sortBy = (list: Json[], order: Json[]) => {
    const pos = (item: Json) => { const i = indexIn(order, item); return i < 0 ? Number.MAX_SAFE_INTEGER : i; };
    return [...list].sort((a, b) => pos(a) - pos(b));
  };
  const left = sortBy(serverOnly, serverOrder);
  const right = sortBy(patchItems, patchOrder);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!);
      const ri = indexIn(serverOrder, right[j]!);
      // Both known to the server: keep the server's relative order; otherwise server-only first.
      if (li >= 0 && ri >= 0 && ri < li) out.push(right[j++]!);
      else out.push(left[i++]!);
    }
  }
  return out;
}
