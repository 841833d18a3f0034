// Server-side apply (structured-merge-diff's Updater.Apply): merge the applied configuration
// into the live object, drop what this manager applied before but no longer does (unless
// someone else owns it), and refuse to take fields other managers set to other values
// unless forced.
import { ownValue, setOwn } from '../../own-keys.js';
import { apiError, badRequest } from '../status.js';
import { compare, FieldSet, itemKey, pathString, toFieldSet, type Path } from './fieldpath.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject } from './json.js';
import { managerId, recordChange, setManagedFields, type Manager, type Managers, storedManagers } from './managed-fields.js';
import { fieldMeta, kindMeta, listTypeOf, type FieldMeta, type Gvk } from './schema.js';

export interface ApplyOptions {
  /** The field manager (kubectl's default is 'kubectl'). */
  manager: string;
  force: boolean;
  gvk: Gvk;
  /** RFC 3339 time stamped on this manager's entry, in seconds as metav1.Time writes it ('2026-01-01T00:00:00Z'). */
  now: string;
  subresource?: string;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The object after `manager` applies `applied` to `current` (undefined: the object is being
 * created), with metadata.managedFields updated. Neither argument is modified.
 * Throws ApiError 400 when `applied` is not an object of the endpoint's group/version/kind,
 * sets metadata.managedFields, or has a map-list item without its key fields; 409 Conflict
 * (causes of reason FieldManagerConflict naming each field) when, without `force`, it would
 * change fields other managers own.
 */
export function serverSideApply(current: object | undefined, applied: object, opts: ApplyOptions): object {
  const config = checkApplied(applied, opts.gvk);
  const meta = kindMeta(opts.gvk);
  const live = clone((current ?? {}) as JsonObject);
  const managers = startingManagers(current, opts);
  if (isObject(live.metadata)) delete live.metadata.managedFields;

  const actor = { manager: opts.manager, operation: 'Apply' as const, apiVersion: gv(opts.gvk), ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  const id = managerId(actor);
  const lastSet = managers.get(id)?.set;
  const appliedSet = toFieldSet(config, meta, true).set;
  managers.set(id, { ...actor, time: opts.now, set: appliedSet });

  let merged = mergeValue(live, config, meta) as JsonObject;
  if (lastSet) merged = prune(merged, lastSet.difference(appliedSet), managers, meta);

  const changes = compare(toFieldSet(live, meta), toFieldSet(merged, meta));
  const changed = changes.modified.union(changes.added);
  const conflicts = [...managers].flatMap(([key, m]) => (key === id ? [] : m.set.intersection(changed).paths().map((path) => ({ m, path }))));
  if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts);
  // Forced (or uncontested): others lose what changed and what is gone; this manager keeps exactly what it applied.
  recordChange(managers, changed.intersection(appliedSet), changes.removed, actor, opts.now);
  managers.set(id, { ...actor, time: opts.now, set: appliedSet });
  syncLastApplied(merged, live, config, opts.manager);
  setManagedFields(merged, managers);
  return merged;
}

const gv = (gvk: Gvk) => (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);

function checkApplied(applied: object, gvk: Gvk): JsonObject {
  if (!isObject(applied)) throw badRequest('error decoding YAML: the applied configuration is not an object');
  const config = clone(applied);
  const version = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  if (version !== gv(gvk)) throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${version}, expected: ${gv(gvk)}`);
  if (config.kind !== gvk.kind) throw badRequest(`Incorrect kind specified in apply patch. Specified patch kind: ${String(config.kind ?? '')}, expected: ${gvk.kind}`);
  if (isObject(config.metadata) && config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  return config;
}

/** The stored managers; an object nobody was recorded for is owned by 'before-first-apply' (upstream's name). */
function startingManagers(current: object | undefined, opts: ApplyOptions): Managers {
  if (!current) return new Map();
  const managers = storedManagers(current);
  if (managers.size > 0) return managers;
  const meta = kindMeta(opts.gvk);
  const set = toFieldSet(current as JsonObject, meta).set;
  const owner: Manager = { manager: 'before-first-apply', operation: 'Update', apiVersion: gv(opts.gvk), set };
  return set.size > 0 ? new Map([[managerId(owner), owner]]) : new Map();
}

/** Structured merge: maps by key, map lists by item key, set lists by value, the rest replaced. */
function mergeValue(live: Json | undefined, config: Json, meta: FieldMeta): Json {
  if (isObject(config)) {
    if (meta.mapType === 'atomic') return clone(config);
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(config)) {
      // An applied null asks for the field to be absent (typed decoding drops it upstream).
      if (v === null) Reflect.deleteProperty(out, k);
      else setOwn(out, k, mergeValue(ownValue(out, k), v, fieldMeta(meta, k)));
    }
    return out;
  }
  if (Array.isArray(config)) {
    const type = listTypeOf(meta);
    if (type === 'atomic' || !Array.isArray(live)) return clone(config);
    if (type === 'set') return mergeLists(live, config, (x) => JSON.stringify(x), (_l, r) => clone(r));
    const itemMeta: FieldMeta = { fields: meta.fields ?? {} };
    let unkeyed = 0;
    const id = (x: Json) => itemKey(x, meta) ?? `unkeyed:${unkeyed++}`;
    return mergeLists(live, config, id, (l, r) => mergeValue(l, r, itemMeta));
  }
  return config;
}

/**
 * Upstream's list merge order: walk both lists, keep live-only items where they were,
 * place shared and new items in the applied order.
 */
function mergeLists(lhs: Json[], rhs: Json[], id: (x: Json) => string, mergeItem: (l: Json | undefined, r: Json) => Json): Json[] {
  const lIds = lhs.map(id);
  const rIds = rhs.map(id);
  const inL = new Set(lIds);
  const inR = new Set(rIds);
  const shared = rIds.filter((x) => inL.has(x));
  let next = shared.shift();
  const taken = new Set<string>();
  const out: Json[] = [];
  const lhsItem = (key: string) => lhs[lIds.indexOf(key)];
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    if (li < lhs.length && ri < rhs.length) {
      if (lIds[li] === rIds[ri]) {
        taken.add(rIds[ri]!);
        out.push(mergeItem(lhs[li], rhs[ri]!));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      // A shared item the applied order wants later: it is emitted when the applied list reaches it.
      if (inR.has(lIds[li]!) && next !== undefined && next !== lIds[li]) {
        li++;
        continue;
      }
    }
    if (li < lhs.length) {
      if (!inR.has(lIds[li]!)) {
        out.push(clone(lhs[li]!));
        li++;
        continue;
      }
      if (taken.has(lIds[li]!)) {
        li++;
        continue;
      }
    }
    if (ri < rhs.length) {
      const key = rIds[ri]!;
      taken.add(key);
      out.push(mergeItem(inL.has(key) ? lhsItem(key) : undefined, rhs[ri]!));
      ri++;
      if (next === key) next = shared.shift();
    }
  }
  return out;
}

/** Removes what the manager no longer applies, unless any manager still owns it or something below it. */
function prune(obj: JsonObject, dropped: FieldSet, managers: Managers, meta: FieldMeta): JsonObject {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const candidates = dropped.difference(owned).paths().filter((p) => !owned.hasBelow(p));
  // Shallowest first: an item is found by its key fields, which its own removed children would take away.
  candidates.sort((a, b) => a.length - b.length);
  for (const path of candidates) removePath(obj, path, meta);
  return obj;
}

function removePath(obj: JsonObject, path: Path, meta: FieldMeta): void {
  let node: Json = obj;
  let m = meta;
  for (let i = 0; i < path.length; i++) {
    const el = path[i]!;
    const last = i === path.length - 1;
    if (el.startsWith('f:')) {
      if (!isObject(node)) return;
      const name = el.slice(2);
      if (last) { Reflect.deleteProperty(node, name); return; }
      m = fieldMeta(m, name);
      node = ownValue(node, name) as Json;
      continue;
    }
    if (!Array.isArray(node)) return;
    const list: Json[] = node;
    const at = el.startsWith('k:') ? list.findIndex((x) => itemKey(x, m) === el)
      : el.startsWith('v:') ? list.findIndex((x) => jsonEqual(x, JSON.parse(el.slice(2))))
        : Number(el.slice(2));
    if (at < 0 || at >= list.length) return;
    if (last) { list.splice(at, 1); return; }
    node = list[at]!;
    m = { fields: m.fields ?? {} };
  }
}

/** Keeps kubectl's client-side annotation in step when kubectl applies server-side (upstream's lastAppliedUpdater). */
function syncLastApplied(merged: JsonObject, live: JsonObject, config: JsonObject, manager: string): void {
  const liveAnnotations = isObject(live.metadata) && isObject(live.metadata.annotations) ? live.metadata.annotations : undefined;
  if (manager !== 'kubectl' || typeof liveAnnotations?.[LAST_APPLIED] !== 'string') return;
  const copy = clone(config);
  if (isObject(copy.metadata) && isObject(copy.metadata.annotations)) delete copy.metadata.annotations[LAST_APPLIED];
  const metadata = isObject(merged.metadata) ? merged.metadata : (merged.metadata = {});
  const annotations = isObject(metadata.annotations) ? metadata.annotations : (metadata.annotations = {});
  annotations[LAST_APPLIED] = JSON.stringify(copy);
}

function conflictError(conflicts: { m: Manager; path: Path }[]) {
  const sorted = [...conflicts].sort((a, b) => cmp(managerLabel(a.m), managerLabel(b.m)) || cmp(pathString(a.path), pathString(b.path)));
  const causes = sorted.map(({ m, path }) => ({ reason: 'FieldManagerConflict', message: `conflict with ${managerLabel(m)}`, field: pathString(path) }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerLabel(sorted[0]!.m)}: ${pathString(sorted[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let previous = '';
    for (const { m, path } of sorted) {
      const label = managerLabel(m);
      if (label !== previous) lines.push(`conflicts with ${label}:`);
      previous = label;
      lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return apiError(409, 'Conflict', message, { causes });
}

/** As upstream prints a manager: `"kubectl" with subresource "status" using apps/v1` (apiVersion for updates only). */
function managerLabel(m: Manager): string {
  let label = JSON.stringify(m.manager);
  if (m.subresource) label += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') label += ` using ${m.apiVersion}`;
  return label;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
