// What server-side apply finds wrong in an apply configuration, in structured-merge-diff's
// words (typed/validate.go), in one walk: fields the schema does not declare, and values of the
// wrong type. Its schema knows numbers (any int or float, unranged), strings, booleans and
// untyped scalars (int-or-string, quantity), maps and lists, and null is always fine. Unlike
// encoding/json it reports every error, each with its path in field-path form (`.data.a`,
// `.spec.containers[name="c"].ports[0].containerPort`).
import { ownValue } from '../own-keys.js';
import { fieldNode, itemNode, kindNode, listItemPath, type FieldNode } from './fieldvalidation.js';
import { isObject, type Gvk } from './types.js';
import { goNumber, goPrint } from './decode-types.js';

export interface ApplyProblems {
  /** Paths of fields the schema does not have (`.spec.foo`), depth first, keys sorted. */
  undeclared: string[];
  /** `path: why` for each value of the wrong type, in the same order. */
  typeErrors: string[];
}

/** Both kinds of problem of `applied` as `gvk`; none for an unknown kind. Never throws. */
export function applyProblems(gvk: Gvk, applied: unknown): ApplyProblems {
  const out: ApplyProblems = { undeclared: [], typeErrors: [] };
  const root = kindNode(gvk);
  if (root) walk(root, applied, '', out);
  return out;
}

/** `path: why` for each value of the wrong type in `applied`, keys in sorted order. Never throws. */
export function applyTypeErrors(gvk: Gvk, applied: unknown): string[] {
  return applyProblems(gvk, applied).typeErrors;
}

/** The paths of the fields `applied` has and the schema does not; empty when none. Never throws. */
export function undeclaredApplyPaths(gvk: Gvk, applied: unknown): string[] {
  return applyProblems(gvk, applied).undeclared;
}

function walk(node: FieldNode, value: unknown, path: string, out: ApplyProblems): void {
  if (value === null || value === undefined || node.type === 'any') return;
  switch (node.type) {
    case 'struct': case 'map': {
      if (!isObject(value)) return void out.typeErrors.push(`${path}: expected map, got ${valueV(value)}`);
      for (const key of Object.keys(value).sort()) {
        const child = fieldNode(node, key);
        if (child) walk(child, ownValue(value, key), `${path}.${key}`, out);
        else out.undeclared.push(`${path}.${key}`);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void out.typeErrors.push(`${path}: expected list, got ${valueV(value)}`);
      const items = itemNode(node);
      value.forEach((item, i) => walk(items, item, `${path}${listItemPath(node, item, i)}`, out));
      return;
    }
    case 'scalar': {
      const why = scalarError(node.scalar ?? 'string', value);
      if (why) out.typeErrors.push(`${path}: ${why}`);
    }
  }
}

function scalarError(type: NonNullable<(FieldNode & { type: 'scalar' })['scalar']>, value: unknown): string | undefined {
  switch (type) {
    case 'int32': case 'int64': case 'float64':
      return typeof value === 'number' ? undefined : `expected numeric (int or float), got ${goTypeName(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected boolean, got ${valueV(value)}`;
    case 'int-or-string': case 'quantity':
      return typeof value === 'object' ? `expected any scalar, got ${valueV(value)}` : undefined;
    default:
      return typeof value === 'string' ? undefined : `expected string, got &value.valueUnstructured{Value:${goSharpV(value)}}`;
  }
}


/** %v of SMD's value wrapper: `&{map[b:1]}`. */
const valueV = (value: unknown) => `&{${goPrint(value)}}`;

/** %T of a decoded value. */
function goTypeName(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}';
}

/** %#v of a decoded value: `map[string]interface {}{"b":1}`, `[]interface {}{"a", 1}`, `"x"`. */
function goSharpV(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : goNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpV).join(', ')}}`;
  const obj = value as Record<string, unknown>;
  return `map[string]interface {}{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${goSharpV(ownValue(obj, k))}`).join(', ')}}`;
}
