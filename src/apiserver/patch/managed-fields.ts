// metadata.managedFields: decoding into one field set per manager identity, encoding back
// in upstream's order, and the bookkeeping of ordinary (non-apply) writes.
import { compare, decodeFieldsV1, encodeFieldsV1, FieldSet, toFieldSet } from './fieldpath.js';
import { isObject, type JsonObject } from './json.js';
import { kindMeta, type Gvk } from './schema.js';

export type Operation = 'Apply' | 'Update';

export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Upstream's manager identity: name, operation, subresource, and apiVersion for updates only. */
export const managerId = (m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string =>
  JSON.stringify([m.manager, m.operation, m.subresource ?? '', m.operation === 'Update' ? m.apiVersion : '']);

export type Managers = Map<string, Manager>;

/** The managers recorded in `entries`; undefined when they are not well-formed managedFields. */
export function decodeManagedFields(entries: unknown): Managers | undefined {
  if (!Array.isArray(entries)) return undefined;
  const out: Managers = new Map();
  try {
    for (const e of entries) {
      if (!isObject(e) || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) return undefined;
      const m: Manager = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
        ...(typeof e.time === 'string' ? { time: e.time } : {}),
        ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
        set: e.fieldsV1 === undefined ? new FieldSet() : decodeFieldsV1(e.fieldsV1),
      };
      const id = managerId(m);
      const seen = out.get(id);
      out.set(id, seen ? { ...m, set: seen.set.union(m.set) } : m);
    }
  } catch {
    return undefined;
  }
  return out;
}

/** managedFields entries, sorted as upstream sorts them (operation, time, manager...). Never fails. */
export function encodeManagedFields(managers: Managers): JsonObject[] {
  const list = [...managers.values()].filter((m) => m.set.size > 0);
  const seconds = (m: Manager) => (m.time ? Math.floor(Date.parse(m.time) / 1000) : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  list.sort((a, b) => cmp(a.operation, b.operation) || seconds(a) - seconds(b) || cmp(a.manager, b.manager)
    || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource ?? '', b.subresource ?? ''));
  return list.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: encodeFieldsV1(m.set),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

/** The managers stored on an object; empty when none or malformed. Never fails. */
export const storedManagers = (obj: object | undefined): Managers => decodeManagedFields(managedFieldsOf(obj)) ?? new Map();

const managedFieldsOf = (obj: object | undefined): unknown =>
  isObject((obj as JsonObject | undefined)?.metadata) ? ((obj as JsonObject).metadata as JsonObject).managedFields : undefined;

/** Upstream's reset signal: managedFields set to a list holding one empty entry. */
const isReset = (entries: unknown) => Array.isArray(entries) && entries.length === 1 && isObject(entries[0]) && Object.keys(entries[0]).length === 0;

/**
 * The managers a write starts from: the request's own managedFields when it sends valid,
 * non-empty ones (and is not a subresource write), else the stored object's. Never fails.
 */
export function baseManagers(old: object | undefined, next: object, subresource?: string): Managers | 'reset' {
  const sent = managedFieldsOf(next);
  if (!subresource) {
    if (isReset(sent)) return 'reset';
    const fromRequest = decodeManagedFields(sent);
    if (fromRequest && fromRequest.size > 0) return fromRequest;
  }
  return storedManagers(old);
}

/** Upstream keeps at most this many Update entries; older ones are folded into one. */
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/** Folds the oldest Update managers into 'ancient-changes' until at most 10 remain (upstream's capManagersManager). */
export function capUpdateManagers(managers: Managers): void {
  const seconds = (m: Manager) => (m.time ? Math.floor(Date.parse(m.time) / 1000) : 0);
  const updaters = [...managers].filter(([, m]) => m.operation === 'Update')
    .sort(([ka, a], [kb, b]) => seconds(a) - seconds(b) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const folded = updaters.slice(0, updaters.length - MAX_UPDATE_MANAGERS + 1);
  let set = new FieldSet();
  for (const [key, m] of folded) {
    set = set.union(m.set);
    managers.delete(key);
  }
  const newest = folded[folded.length - 1]![1];
  const bucket: Manager = { manager: ANCIENT, operation: 'Update', apiVersion: newest.apiVersion, ...(newest.time ? { time: newest.time } : {}), set };
  managers.set(managerId(bucket), bucket);
}

export function setManagedFields(obj: JsonObject, managers: Managers): void {
  capUpdateManagers(managers);
  const metadata = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
}

export function gvkOf(obj: JsonObject): Gvk {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
  return { group, version, kind: typeof obj.kind === 'string' ? obj.kind : '' };
}

/**
 * Records in `next.metadata.managedFields` (mutating `next`) that `manager` set every field
 * this write added or changed: others lose those fields, as upstream does for create, update
 * and the non-apply patches. `old` is the stored object (undefined on create); `now` an
 * RFC 3339 time. A request that sends managedFields `[{}]` clears them. Never throws: malformed
 * stored managedFields are treated as none.
 */
export function updateManagedFields(old: object | undefined, next: object, manager: string, operation: Operation, now: string, subresource?: string): void {
  const obj = next as JsonObject;
  const base = baseManagers(old, next, subresource);
  if (base === 'reset') {
    if (isObject(obj.metadata)) delete obj.metadata.managedFields;
    return;
  }
  const meta = kindMeta(gvkOf(obj));
  const changes = compare(toFieldSet((old ?? {}) as JsonObject, meta), toFieldSet(obj, meta));
  const touched = changes.added.union(changes.modified);
  recordChange(base, touched, changes.removed, { manager, operation, apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '', ...(subresource ? { subresource } : {}) }, now);
  setManagedFields(obj, base);
}

/** Others lose `touched` and `removed`; the actor gains `touched` and loses `removed`. */
export function recordChange(managers: Managers, touched: FieldSet, removed: FieldSet, actor: Omit<Manager, 'set' | 'time'>, now: string): void {
  const id = managerId(actor);
  for (const [key, m] of managers) {
    if (key === id) continue;
    m.set = m.set.difference(touched).difference(removed);
    if (m.set.size === 0) managers.delete(key);
  }
  const own = managers.get(id)?.set ?? new FieldSet();
  const set = own.difference(removed).union(touched);
  if (set.size === 0) managers.delete(id);
  // Upstream stamps the time only when this write took some field.
  else managers.set(id, { ...actor, time: touched.size > 0 ? now : managers.get(id)?.time ?? now, set });
}
