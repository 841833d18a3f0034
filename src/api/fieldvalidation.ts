// Unknown fields of the built-in kinds, as upstream's typed decoders see them: a field the
// kind's Go struct does not declare is dropped from the object and reported with its path
// (`spec.template.spec.containers[0].foo`), so the apiserver can fail (fieldValidation=Strict),
// warn (Warn, the default) or stay silent (Ignore). The schemas come from src/api/openapi;
// each definition compiles once into a small tree of nodes that the walks below share.
import { definitionFor, schemaDefinitions } from './openapi.js';
import type { Schema } from './openapi/models.js';
import { ownValue, setOwn } from '../own-keys.js';
import { isObject, type Gvk } from './types.js';

/**
 * The Go type of a scalar field, as the decoder treats it: int-or-string, quantity and time
 * are json.Unmarshalers of their own; byte is a base64 `[]byte`.
 */
export type ScalarType = 'string' | 'int32' | 'int64' | 'float64' | 'bool' | 'byte' | 'int-or-string' | 'quantity' | 'time' | 'microtime';

/** What the decoder expects at one position of an object. */
export type FieldNode =
  /** goType: the Go type's name as reflect prints it (`v1.PodSpec`). */
  | { type: 'struct'; fields: ReadonlyMap<string, () => FieldNode>; goType?: string }
  | { type: 'map'; values: () => FieldNode }
  | { type: 'list'; items: () => FieldNode; mapKeys?: readonly string[] }
  // Anything goes (RawExtension, FieldsV1, preserve-unknown-fields): upstream keeps it raw.
  | { type: 'any' }
  | { type: 'scalar'; scalar?: ScalarType };

const ANY: FieldNode = { type: 'any' };
const compiled = new Map<string, FieldNode>();

// Definitions whose Go types decode themselves (UnmarshalJSON), by definition name.
const SELF_DECODING = new Map<string, ScalarType>([
  ['io.k8s.apimachinery.pkg.api.resource.Quantity', 'quantity'],
  ['io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'int-or-string'],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'time'],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', 'microtime'],
]);

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec`, the Go package's name and the type's. */
function goTypeName(definition: string): string {
  const parts = definition.split('.');
  return parts.slice(-2).join('.');
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function compileDefinition(name: string): FieldNode {
  let node = compiled.get(name);
  if (node) return node;
  const schema = schemaDefinitions().get(name);
  // Registered before compiling the members: definitions refer to themselves (JSONSchemaProps).
  const selfDecoding = SELF_DECODING.get(name);
  node = selfDecoding ? { type: 'scalar', scalar: selfDecoding } : schema ? compileSchema(schema, goTypeName(name)) : ANY;
  compiled.set(name, node);
  return node;
}

function compileSchema(s: Schema, goType?: string): FieldNode {
  if (typeof s.$ref === 'string') return compileDefinition(refName(s.$ref));
  if (s['x-kubernetes-preserve-unknown-fields']) return ANY;
  if (s.type === 'array') {
    const items = lazy(s.items ?? {});
    const keys = s['x-kubernetes-list-map-keys'];
    return { type: 'list', items, ...(Array.isArray(keys) ? { mapKeys: keys } : {}) };
  }
  if (s.type === 'object' || s.properties || s.additionalProperties) {
    if (s.properties) {
      const fields = new Map<string, () => FieldNode>();
      for (const [k, v] of Object.entries<Schema>(s.properties)) fields.set(k, lazy(v));
      return { type: 'struct', fields, ...(goType ? { goType } : {}) };
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return { type: 'map', values: lazy(s.additionalProperties) };
    return ANY;
  }
  return { type: 'scalar', scalar: scalarType(s) };
}

function scalarType(s: Schema): ScalarType {
  switch (s.type) {
    case 'integer': return s.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    default: return s.format === 'byte' ? 'byte' : s.format === 'int-or-string' ? 'int-or-string' : 'string';
  }
}

// Members compile on first use: most requests touch a small part of a kind's tree.
function lazy(s: Schema): () => FieldNode {
  let node: FieldNode | undefined;
  return () => (node ??= compileSchema(s));
}

/** The node of a served kind's top level; undefined when the models do not know the kind. Never throws. */
export function kindNode(gvk: Gvk): FieldNode | undefined {
  const name = definitionFor(gvk);
  return name ? compileDefinition(name) : undefined;
}

/** The node of a definition by its swagger name (`io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions`); an unknown name is raw. */
export function definitionNode(name: string): FieldNode {
  return compileDefinition(name);
}

/** The node of `key` inside an object at `node`: undefined when the key is unknown there. */
export function fieldNode(node: FieldNode, key: string): FieldNode | undefined {
  switch (node.type) {
    case 'struct': return node.fields.get(key)?.();
    case 'map': return node.values();
    case 'any': return ANY;
    default: return ANY; // a type mismatch, not an unknown field: validation's business
  }
}

/** The node of an item inside a list at `node`. */
export function itemNode(node: FieldNode): FieldNode {
  return node.type === 'list' ? node.items() : ANY;
}

export interface PruneResult<T> {
  /** The object without its unknown fields (the input itself when it had none). */
  pruned: T;
  /** Paths of the dropped fields, depth first with keys in sorted order (upstream's order for decoded maps). */
  unknown: string[];
}

/**
 * Drops the fields `gvk`'s schema does not declare. Pure: `obj` is not modified. A kind the
 * models do not know keeps every field. Never throws.
 */
export function pruneUnknownFields<T>(gvk: Gvk, obj: T): PruneResult<T> {
  const root = kindNode(gvk);
  const unknown: string[] = [];
  if (!root) return { pruned: obj, unknown };
  return { pruned: prune(root, obj, '', unknown) as T, unknown };
}

function prune(node: FieldNode, value: unknown, path: string, unknown: string[]): unknown {
  if (node.type === 'any' || node.type === 'scalar') return value;
  if (Array.isArray(value)) {
    if (node.type !== 'list') return value;
    const items = node.items();
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = prune(items, item, `${path}[${i}]`, unknown);
      if (next !== item) (out ??= value.slice())[i] = next;
    });
    return out ?? value;
  }
  if (!isObject(value) || node.type === 'list') return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value).sort()) {
    const child = fieldNode(node, key);
    const childPath = path ? `${path}.${key}` : key;
    if (!child) {
      unknown.push(childPath);
      out ??= { ...value };
      // Removing an own property is safe for any name, `__proto__` included.
      Reflect.deleteProperty(out, key);
      continue;
    }
    const current = ownValue(value, key);
    const next = prune(child, current, childPath, unknown);
    if (next !== current) setOwn((out ??= { ...value }), key, next);
  }
  return out ?? value;
}

export function listItemPath(node: FieldNode & { type: 'list' }, item: unknown, i: number): string {
  if (!node.mapKeys?.length || !isObject(item)) return `[${i}]`;
  return `[${node.mapKeys.filter((k) => ownValue(item, k) !== undefined).map((k) => `${k}=${JSON.stringify(ownValue(item, k))}`).join(',')}]`;
}
