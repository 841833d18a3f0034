// Field sets in structured-merge-diff's model: an object is the set of paths it sets, each
// path a list of elements `f:<field>`, `k:<key fields as JSON>` (items of map lists),
// `v:<value as JSON>` (items of set lists), `i:<index>`. Leaves are members; so are items of
// lists and granular maps (labels, data) themselves, which fieldsV1 writes as ".".
import { badRequest } from '../status.js';
import { ownValue, setOwn } from '../../own-keys.js';
import { isObject, jsonEqual, type Json, type JsonObject } from './json.js';
import { fieldMeta, listTypeOf, type FieldMeta } from './schema.js';

export type Path = readonly string[];

/** A set of paths, keyed by their JSON text. */
export class FieldSet {
  private readonly keys: Set<string>;
  constructor(paths: Iterable<Path> = []) {
    this.keys = new Set([...paths].map((p) => JSON.stringify(p)));
  }
  static ofKeys(keys: Iterable<string>): FieldSet {
    const s = new FieldSet();
    for (const k of keys) s.keys.add(k);
    return s;
  }
  add(path: Path): void { this.keys.add(JSON.stringify(path)); }
  has(path: Path): boolean { return this.keys.has(JSON.stringify(path)); }
  get size(): number { return this.keys.size; }
  paths(): Path[] { return [...this.keys].map((k) => JSON.parse(k) as string[]); }
  union(o: FieldSet): FieldSet { return FieldSet.ofKeys([...this.keys, ...o.keys]); }
  difference(o: FieldSet): FieldSet { return FieldSet.ofKeys([...this.keys].filter((k) => !o.keys.has(k))); }
  intersection(o: FieldSet): FieldSet { return FieldSet.ofKeys([...this.keys].filter((k) => o.keys.has(k))); }
  /** Whether some member lies strictly below `path`. */
  hasBelow(path: Path): boolean {
    const prefix = JSON.stringify(path).slice(0, -1) + ',';
    for (const k of this.keys) if (k.startsWith(prefix)) return true;
    return false;
  }
}

/** Metadata fields no manager owns (upstream's stripMetaManager). */
const STRIPPED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

function stripped(path: Path): boolean {
  if (path[0] === 'f:apiVersion' || path[0] === 'f:kind') return true;
  if (path[0] !== 'f:metadata') return false;
  return path.length === 1 || STRIPPED_META.has(path[1]!.slice(2));
}

/** The key element of a map-list item, or undefined when a key field is absent without default. */
export function itemKey(item: Json, meta: FieldMeta): string | undefined {
  if (!isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const name of [...(meta.listMapKeys ?? [])].sort()) {
    const value = ownValue(item, name) ?? (meta.keyDefaults ? ownValue(meta.keyDefaults, name) as Json | undefined : undefined);
    if (value === undefined || value === null) return undefined;
    setOwn(key, name, value);
  }
  return `k:${JSON.stringify(key)}`;
}

export interface Walked {
  set: FieldSet;
  /** Values at leaf paths, for telling modified fields apart. */
  leaves: Map<string, Json>;
}

/**
 * The field set of an object, without the fields no manager owns (apiVersion, kind,
 * metadata.name...). `strict` throws ApiError 400 for a map-list item missing a key field
 * (as upstream refuses such an applied configuration); otherwise such items are owned by index.
 */
export function toFieldSet(obj: JsonObject, meta: FieldMeta, strict = false): Walked {
  const out: Walked = { set: new FieldSet(), leaves: new Map() };
  const leaf = (path: Path, v: Json) => {
    if (stripped(path)) return;
    out.set.add(path);
    out.leaves.set(JSON.stringify(path), v);
  };
  const member = (path: Path) => { if (!stripped(path)) out.set.add(path); };
  const walk = (v: Json, m: FieldMeta, path: Path): void => {
    if (isObject(v)) {
      const entries = Object.entries(v);
      if (m.mapType === 'atomic' || (entries.length === 0 && path.length > 0)) return leaf(path, v);
      if (m.mapType === 'granular') member(path);
      for (const [k, child] of entries) walk(child, fieldMeta(m, k), [...path, `f:${k}`]);
    } else if (Array.isArray(v)) {
      const type = listTypeOf(m);
      if (type === 'atomic' || v.length === 0) return leaf(path, v);
      if (type === 'set') {
        member(path);
        for (const item of v) leaf([...path, `v:${JSON.stringify(item)}`], item);
        return;
      }
      const itemMeta: FieldMeta = { fields: m.fields ?? {} };
      v.forEach((item, i) => {
        let key = itemKey(item, m);
        if (key === undefined) {
          if (strict) throw badRequest(`${pathString(path)}: element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(missingKey(item, m))} (and doesn't have default value)`);
          key = `i:${i}`;
        }
        const itemPath = [...path, key];
        if (!isObject(item)) return leaf(itemPath, item);
        member(itemPath);
        for (const [k, child] of Object.entries(item)) walk(child, fieldMeta(itemMeta, k), [...itemPath, `f:${k}`]);
      });
    } else {
      leaf(path, v);
    }
  };
  walk(obj, meta, []);
  return out;
}

const missingKey = (item: Json, m: FieldMeta) =>
  (m.listMapKeys ?? []).find((k) => !isObject(item) || (ownValue(item, k) ?? (m.keyDefaults && ownValue(m.keyDefaults, k))) == null) ?? '';

export interface Comparison { added: FieldSet; removed: FieldSet; modified: FieldSet }

/** What changed between two walked objects: upstream's typed Compare. Never fails. */
export function compare(before: Walked, after: Walked): Comparison {
  const modified = new FieldSet();
  for (const [k, v] of after.leaves) {
    if (before.leaves.has(k) && !jsonEqual(before.leaves.get(k), v)) modified.add(JSON.parse(k) as string[]);
  }
  return { added: after.set.difference(before.set), removed: before.set.difference(after.set), modified };
}

/** The path as upstream prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path.map((el) => {
    const body = el.slice(2);
    switch (el[0]) {
      case 'f': return `.${body}`;
      case 'k': return `[${Object.entries(JSON.parse(body) as JsonObject).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      case 'v': return `[=${body}]`;
      default: return `[${body}]`;
    }
  }).join('');
}

type Tree = { member: boolean; children: Map<string, Tree> };

// Fields, then keys, values and indices (the order fieldsV1 is written in upstream).
const RANK = new Map([['f', 0], ['k', 1], ['v', 2], ['i', 3]]);
const rank = (el: string) => RANK.get(el[0] ?? '') ?? 4;
const byElement = (a: string, b: string) => (rank(a) - rank(b)) || (a < b ? -1 : a > b ? 1 : 0);

/** fieldsV1 JSON of a set. Never fails. */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const root: Tree = { member: false, children: new Map() };
  for (const path of set.paths()) {
    let node = root;
    for (const el of path) {
      let next = node.children.get(el);
      if (!next) node.children.set(el, (next = { member: false, children: new Map() }));
      node = next;
    }
    node.member = true;
  }
  const emit = (node: Tree): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const el of [...node.children.keys()].sort(byElement)) setOwn(out, el, emit(node.children.get(el)!));
    return out;
  };
  return emit(root);
}

/** The set a fieldsV1 JSON describes. Throws Error on anything that is not fieldsV1. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: string[]) => {
    if (!isObject(node)) throw new Error('fieldsV1: not an object');
    const entries = Object.entries(node);
    if (entries.length === 0 && path.length > 0) set.add(path);
    for (const [el, child] of entries) {
      if (el === '.') set.add(path);
      else if (/^[fkvi]:/.test(el)) walk(child, [...path, el]);
      else throw new Error(`fieldsV1: bad element ${el}`);
    }
  };
  walk(fields, []);
  return set;
}
