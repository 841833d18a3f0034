// The type errors of decoding a body into a kind's Go struct, in the words of the decoder
// upstream uses. kube-apiserver decodes create/update bodies and json/merge-patched objects
// with encoding/json (sigs.k8s.io/json), and a strategic-merge-patched map with the
// unstructured converter; a value of the wrong JSON type fails either, and only the first
// error is told. How encoding/json behaves, which the 'json' dialect follows:
// - null is accepted anywhere (it zeroes maps, pointers and slices and leaves the rest).
// - A mismatch is saved and the decode goes on; only the first saved one is reported. The
//   field path names struct fields only, from the top (map keys and list indexes are not
//   part of it), after the innermost struct's Go name:
//   `json: cannot unmarshal object into Go struct field ConfigMap.data of type string`.
// - Types with their own UnmarshalJSON (Quantity, IntOrString, Time) fail the decode at once:
//   their error is reported even when an earlier mismatch was saved.
// The 'unstructured' dialect (runtime.DefaultUnstructuredConverter) stops at the first error
// and words it by reflect kinds: `cannot restore struct from: string`, `unrecognized type: int32`.
// One walk over the value: linear in its size, recursive only as deep as the body (whose depth
// the decoders bound before this runs).
import { fieldNode, itemNode, kindNode, type FieldNode, type Gvk, type ScalarType } from './fieldvalidation.js';
import { parseQuantity, QUANTITY_MESSAGE } from './validation/field.js';

/** Whose words: encoding/json's (bodies, json and merge patches) or the unstructured converter's (strategic patches). */
export type DecodeDialect = 'json' | 'unstructured';

/** The first error decoding `value` as `gvk`, in `dialect`'s words; undefined when it decodes. Never throws. */
export function decodeTypeError(gvk: Gvk, value: unknown, dialect: DecodeDialect = 'json'): string | undefined {
  const root = kindNode(gvk);
  return root ? firstTypeError(root, value, dialect) : undefined;
}

/** Same as decodeTypeError, from a node of the schema tree. */
export function firstTypeError(root: FieldNode, value: unknown, dialect: DecodeDialect = 'json'): string | undefined {
  const walk = new TypeWalk(dialect);
  try {
    walk.visit(root, value, { struct: '', path: '' });
  } catch (e) {
    if (e instanceof FatalDecodeError) return e.message;
    throw e;
  }
  return walk.saved;
}

/** Go's errorContext: the innermost struct's name and the struct fields walked from the top. */
interface Context { struct: string; path: string }

/** An error that ends the decode (UnmarshalJSON's, or any of the converter's). */
class FatalDecodeError extends Error {}

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
// Past 2^53 a JS number is not exact; Go's range is ±2^63, which a double rounds to 2^63.
const INT64 = [-(2 ** 63), 2 ** 63 - 1] as const;
const UINT8 = [0, 255] as const;
const inRange = (n: number, [min, max]: readonly [number, number]) => Number.isInteger(n) && n >= min && n <= max;

class TypeWalk {
  saved: string | undefined;
  constructor(private readonly dialect: DecodeDialect) {}

  visit(node: FieldNode, value: unknown, ctx: Context): void {
    if (value === null || value === undefined || node.type === 'any') return;
    switch (node.type) {
      case 'struct': {
        if (!isPlainObject(value)) return this.fail(node, value, ctx);
        const struct = node.goType ? node.goType.slice(node.goType.indexOf('.') + 1) : ctx.struct;
        for (const key of Object.keys(value)) {
          const child = fieldNode(node, key);
          if (child) this.visit(child, value[key], { struct, path: ctx.path ? `${ctx.path}.${key}` : key });
        }
        return;
      }
      case 'map': {
        if (!isPlainObject(value)) return this.fail(node, value, ctx);
        const values = node.values();
        for (const key of Object.keys(value)) this.visit(values, value[key], ctx);
        return;
      }
      case 'list': {
        const items = itemNode(node);
        if (!Array.isArray(value)) return this.fail(node, value, ctx);
        for (const item of value) this.visit(items, item, ctx);
        return;
      }
      case 'scalar':
        return this.scalar(node.scalar ?? 'string', value, ctx);
    }
  }

  private scalar(type: ScalarType, value: unknown, ctx: Context): void {
    switch (type) {
      case 'string': case 'bool': case 'float64':
        if (typeof value !== GO_TO_JS[type]) this.mismatch(value, type, ctx);
        return;
      case 'int32': case 'int64':
        if (typeof value !== 'number') return this.mismatch(value, type, ctx);
        if (!inRange(value, type === 'int32' ? INT32 : INT64)) this.outOfRange(value, type, ctx);
        return;
      case 'byte':
        if (typeof value === 'string') {
          const bad = base64Error(value);
          if (bad && this.dialect === 'unstructured') throw new FatalDecodeError(`error decoding from json: ${bad}`);
          if (bad) this.save(bad);
        } else if (Array.isArray(value)) {
          // A []byte fills from a JSON array of small numbers too.
          for (const item of value) {
            if (item === null) continue;
            if (typeof item !== 'number') this.mismatch(item, 'uint8', ctx);
            else if (!inRange(item, UINT8)) this.outOfRange(item, 'uint8', ctx);
          }
        } else this.mismatch(value, '[]uint8', ctx);
        return;
      case 'int-or-string':
        // IntOrString.UnmarshalJSON: a string is a string, anything else decodes as an int32,
        // with a fresh decoder (encoding/json then adds the outer field path; the converter does not).
        if (typeof value === 'string' || (typeof value === 'number' && inRange(value, INT32))) return;
        throw new FatalDecodeError(unmarshalTypeError(value, 'int32', this.dialect === 'json' ? ctx : NO_CONTEXT, true));
      case 'quantity': {
        // Quantity.UnmarshalJSON parses a string's contents or a number's text.
        const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
        const why = quantityError(text);
        if (why) throw new FatalDecodeError(why);
        return;
      }
      case 'time':
        // Time.UnmarshalJSON decodes a string first: other JSON types fail as a string would.
        if (typeof value !== 'string') throw new FatalDecodeError(unmarshalTypeError(value, 'string', this.dialect === 'json' ? ctx : NO_CONTEXT));
        return;
    }
  }

  /** A struct, map or list given the wrong JSON type. */
  private fail(node: FieldNode, value: unknown, ctx: Context): void {
    if (this.dialect === 'json') return this.save(unmarshalTypeError(value, goTypeOf(node), ctx));
    const what = node.type === 'struct' ? 'struct from:' : node.type === 'map' ? 'map from' : 'slice from';
    throw new FatalDecodeError(`cannot restore ${what} ${reflectKind(value)}`);
  }

  /** A scalar field given the wrong JSON type. */
  private mismatch(value: unknown, goType: string, ctx: Context): void {
    if (this.dialect === 'json') return this.save(unmarshalTypeError(value, goType, ctx));
    // The converter converts between numbers, and from an integer to a string (as Go's
    // reflect allows) only to refuse it; anything else reaches its "unrecognized type".
    const source = unstructuredType(value);
    const numeric = typeof value === 'number';
    const convertible = numeric && (goType !== 'string' && goType !== '[]uint8' && goType !== 'bool' || goType === 'string' && source === 'int64');
    throw new FatalDecodeError(convertible ? `cannot convert ${source} to ${goType}` : `unrecognized type: ${goType === '[]uint8' ? 'slice' : goType}`);
  }

  /** A number that does not fit an integer field. */
  private outOfRange(value: number, goType: string, ctx: Context): void {
    if (this.dialect === 'json') return this.save(unmarshalTypeError(value, goType, ctx, true));
    // The converter truncates nothing and checks no range: only a fraction fails.
    if (!Number.isInteger(value)) throw new FatalDecodeError(`cannot convert float64 to ${goType}`);
  }

  private save(message: string): void {
    this.saved ??= message;
  }
}

const GO_TO_JS = { string: 'string', bool: 'boolean', float64: 'number' } as const;
const NO_CONTEXT: Context = { struct: '', path: '' };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's UnmarshalTypeError text; `withNumber`: Go names the number when it does not fit an integer. */
function unmarshalTypeError(value: unknown, goType: string, ctx: Context, withNumber = false): string {
  const what = typeof value === 'number' ? (withNumber ? `number ${goNumber(value)}` : 'number')
    : typeof value === 'string' ? 'string'
    : typeof value === 'boolean' ? 'bool'
    : Array.isArray(value) ? 'array' : 'object';
  const into = ctx.path ? `Go struct field ${ctx.struct}.${ctx.path}` : 'Go value';
  return `json: cannot unmarshal ${what} into ${into} of type ${goType}`;
}

/** The Go type a JSON value decodes to in a map[string]interface{} (k8s.io/apimachinery's util/json keeps integers int64). */
function unstructuredType(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}';
}

/** reflect.Kind's name of that type. */
function reflectKind(value: unknown): string {
  const t = unstructuredType(value);
  return t.startsWith('[]') ? 'slice' : t.startsWith('map') ? 'map' : t;
}

/** A decoded number printed as Go's encoder writes a float64. */
export function goNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

function goTypeOf(node: FieldNode, depth = 0): string {
  if (depth > 8) return 'interface {}';
  switch (node.type) {
    case 'struct': return node.goType ?? 'struct {}';
    case 'map': {
      const values = node.values();
      // Every map of quantities in the built-in kinds is core/v1's named ResourceList.
      if (values.type === 'scalar' && values.scalar === 'quantity') return 'v1.ResourceList';
      return `map[string]${goTypeOf(values, depth + 1)}`;
    }
    case 'list': return `[]${goTypeOf(node.items(), depth + 1)}`;
    case 'any': return 'interface {}';
    case 'scalar': return SCALAR_GO_TYPES[node.scalar ?? 'string'];
  }
}

const SCALAR_GO_TYPES: Record<ScalarType, string> = {
  string: 'string', int32: 'int32', int64: 'int64', float64: 'float64', bool: 'bool', byte: '[]uint8',
  'int-or-string': 'intstr.IntOrString', quantity: 'resource.Quantity', time: 'v1.Time',
};

/** resource.ParseQuantity's error for `text`; undefined when it parses. */
function quantityError(text: string): string | undefined {
  if (!/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(text)) return QUANTITY_MESSAGE;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)/.test(text) || /^[+-]?[0-9]*\.[0-9]*\./.test(text)) return 'unable to parse numeric part of quantity';
  return parseQuantity(text) === undefined ? "unable to parse quantity's suffix" : undefined;
}

/** Go's base64.StdEncoding error for `s` (`illegal base64 data at input byte 4`); undefined when it decodes. */
export function base64Error(s: string): string | undefined {
  // Go's decodeQuantum, four characters at a time; \r and \n are skipped everywhere.
  const corrupt = (at: number) => `illegal base64 data at input byte ${at}`;
  const skipNewlines = (at: number) => {
    while (at < s.length && (s[at] === '\n' || s[at] === '\r')) at++;
    return at;
  };
  let si = 0;
  for (;;) {
    for (let j = 0; j < 4;) {
      if (si === s.length) return j === 0 ? undefined : corrupt(si - j);
      const c = s[si++]!;
      if (c === '\n' || c === '\r') continue;
      if (BASE64_ALPHABET.test(c)) { j++; continue; }
      if (c !== '=' || j < 2) return corrupt(si - 1);
      if (j === 2) {
        si = skipNewlines(si);
        if (si === s.length) return corrupt(s.length);
        if (s[si] !== '=') return corrupt(si - 1);
        si++;
      }
      si = skipNewlines(si);
      return si < s.length ? corrupt(si) : undefined;
    }
  }
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * `value` (decoded JSON) as Go's fmt prints a map[string]interface{} with %v:
 * `map[data:map[a:map[b:1]] kind:ConfigMap]`, keys sorted, slices `[a b]`, null `<nil>`.
 */
export function goPrint(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? value.toFixed(0) : goNumber(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  const obj = value as Record<string, unknown>;
  return `map[${Object.keys(obj).sort().map((k) => `${k}:${goPrint(obj[k])}`).join(' ')}]`;
}
