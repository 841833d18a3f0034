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
import { ownValue } from '../own-keys.js';
import jsonc from 'jsonc-parser';
import { fieldNode, itemNode, kindNode, type FieldNode, type ScalarType } from './fieldvalidation.js';
import { isObject, type Gvk } from './types.js';
import { goTimeParseError, RFC3339, RFC3339_MICRO } from './go-time.js';
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
  return walk.run(() => walk.visit(root, value, ROOT));
}

/**
 * encoding/json's first error decoding the JSON `text` (syntactically valid) as `gvk`; undefined
 * when it decodes. Read from the text in one streaming pass, so it sees what Go sees and the
 * parsed value hides: fields in document order, every repeated key, number literals as written
 * (`1e3` or `1.0` is no int32). Never throws.
 */
export function jsonTextTypeError(gvk: Gvk, text: string): string | undefined {
  const root = kindNode(gvk);
  if (!root) return undefined;
  const walk = new TypeWalk('json');
  return walk.run(() => walkText(walk, root, text));
}

/** Go's errorContext: the innermost struct's name and the struct fields walked from the top. */
interface Context { struct: string; path: string }
const ROOT: Context = { struct: '', path: '' };

/** A JSON value as the decoder meets it; numbers keep their literal text. */
type Literal = { kind: 'string'; value: string } | { kind: 'number'; text: string } | { kind: 'bool' } | { kind: 'object' } | { kind: 'array' };

/** An error that ends the decode (UnmarshalJSON's, or any of the converter's). */
class FatalDecodeError extends Error {}

const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UINT8 = [0n, 255n] as const;
/** Whether a number literal is an integer Go's strconv.ParseInt takes, within the range. */
const intFits = (text: string, [min, max]: readonly [bigint, bigint]) => /^-?\d+$/.test(text) && BigInt(text) >= min && BigInt(text) <= max;

const childContext = (struct: string, ctx: Context, key: string): Context => ({ struct, path: ctx.path ? `${ctx.path}.${key}` : key });
const structName = (node: FieldNode & { type: 'struct' }, ctx: Context) => (node.goType ? node.goType.slice(node.goType.indexOf('.') + 1) : ctx.struct);

class TypeWalk {
  saved: string | undefined;
  constructor(readonly dialect: DecodeDialect) {}

  /** Runs a walk; the first fatal error, else the first saved one. */
  run(walk: () => void): string | undefined {
    try {
      walk();
    } catch (e) {
      if (e instanceof FatalDecodeError) return e.message;
      throw e;
    }
    return this.saved;
  }

  /** Walks a decoded value. Recursive in depth only (bounded by the body depth limit). */
  visit(node: FieldNode, value: unknown, ctx: Context): void {
    if (value === null || value === undefined || node.type === 'any') return;
    if (isObject(value) && node.type === 'struct') {
      const struct = structName(node, ctx);
      for (const key of Object.keys(value)) {
        const child = fieldNode(node, key);
        if (child) this.visit(child, ownValue(value, key), childContext(struct, ctx, key));
      }
    } else if (isObject(value) && node.type === 'map') {
      const values = node.values();
      for (const key of Object.keys(value)) this.visit(values, ownValue(value, key), ctx);
    } else if (Array.isArray(value) && node.type === 'list') {
      const items = itemNode(node);
      for (const item of value) this.visit(items, item, ctx);
    } else if (Array.isArray(value) && isByteNode(node)) {
      for (const item of value) if (item !== null) this.byteItem(literalOf(item), ctx);
    } else {
      this.leaf(node, literalOf(value), ctx);
    }
  }

  /** A value that `node` cannot descend into: a scalar, or a container of the wrong kind. */
  leaf(node: FieldNode, lit: Literal, ctx: Context): void {
    if (node.type === 'any') return;
    if (node.type === 'scalar') return this.scalar(node.scalar ?? 'string', lit, ctx);
    if (this.dialect === 'json') return this.save(unmarshalTypeError(lit, goTypeOf(node), ctx));
    const what = node.type === 'struct' ? 'struct from:' : node.type === 'map' ? 'map from' : 'slice from';
    throw new FatalDecodeError(`cannot restore ${what} ${reflectKind(lit)}`);
  }

  /** One item of a JSON array decoded into a []byte. */
  byteItem(lit: Literal, ctx: Context): void {
    if (lit.kind !== 'number') return this.mismatch(lit, 'uint8', ctx);
    if (!intFits(lit.text, UINT8)) this.outOfRange(lit.text, 'uint8', ctx);
  }

  private scalar(type: ScalarType, lit: Literal, ctx: Context): void {
    switch (type) {
      case 'string': case 'bool': case 'float64':
        if (lit.kind !== SCALAR_LITERAL[type]) this.mismatch(lit, type, ctx);
        else if (lit.kind === 'number' && !Number.isFinite(Number(lit.text))) this.outOfRange(lit.text, type, ctx);
        return;
      case 'int32': case 'int64':
        if (lit.kind !== 'number') return this.mismatch(lit, type, ctx);
        if (!intFits(lit.text, type === 'int32' ? INT32 : INT64)) this.outOfRange(lit.text, type, ctx);
        return;
      case 'byte': {
        if (lit.kind !== 'string') return this.mismatch(lit, '[]uint8', ctx);
        const bad = base64Error(lit.value);
        if (bad && this.dialect === 'unstructured') throw new FatalDecodeError(`error decoding from json: ${bad}`);
        if (bad) this.save(bad);
        return;
      }
      case 'int-or-string':
        // IntOrString.UnmarshalJSON: a string is a string, anything else decodes as an int32,
        // with a fresh decoder (encoding/json then adds the outer field path; the converter does not).
        if (lit.kind === 'string' || (lit.kind === 'number' && intFits(lit.text, INT32))) return;
        throw new FatalDecodeError(unmarshalTypeError(lit, 'int32', this.dialect === 'json' ? ctx : ROOT, true));
      case 'quantity': {
        // Quantity.UnmarshalJSON parses a string's contents or a number's text.
        const why = quantityError(lit.kind === 'string' ? lit.value.trim() : lit.kind === 'number' ? lit.text : '');
        if (why) throw new FatalDecodeError(why);
        return;
      }
      case 'time': case 'microtime': {
        // Time.UnmarshalJSON decodes a string (other JSON types fail as a string would), then
        // time.Parse's it as RFC3339 (MicroTime: with six fraction digits).
        if (lit.kind !== 'string') throw new FatalDecodeError(unmarshalTypeError(lit, 'string', this.dialect === 'json' ? ctx : ROOT));
        const why = goTimeParseError(lit.value, type === 'time' ? RFC3339 : RFC3339_MICRO);
        if (why) throw new FatalDecodeError(why);
        return;
      }
    }
  }

  /** A scalar field given the wrong JSON type. */
  private mismatch(lit: Literal, goType: string, ctx: Context): void {
    if (this.dialect === 'json') return this.save(unmarshalTypeError(lit, goType, ctx));
    // The converter converts between numbers, and from an integer to a string (as Go's
    // reflect allows) only to refuse it; anything else reaches its "unrecognized type".
    const source = unstructuredType(lit);
    const numeric = lit.kind === 'number';
    const convertible = numeric && (goType !== 'string' && goType !== '[]uint8' && goType !== 'bool' || goType === 'string' && source === 'int64');
    throw new FatalDecodeError(convertible ? `cannot convert ${source} to ${goType}` : `unrecognized type: ${goType === '[]uint8' ? 'slice' : goType}`);
  }

  /** A number that does not fit a numeric field. */
  private outOfRange(text: string, goType: string, ctx: Context): void {
    if (this.dialect === 'json') return this.save(unmarshalTypeError({ kind: 'number', text }, goType, ctx, true));
    // The converter checks no range: only a fraction fails.
    if (!/^-?\d+$/.test(text) && !Number.isInteger(Number(text))) throw new FatalDecodeError(`cannot convert float64 to ${goType}`);
  }

  private save(message: string): void {
    this.saved ??= message;
  }
}

const SCALAR_LITERAL = { string: 'string', bool: 'bool', float64: 'number' } as const;

const isByteNode = (node: FieldNode) => node.type === 'scalar' && node.scalar === 'byte';

function literalOf(value: unknown): Literal {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : goNumber(value) };
  if (typeof value === 'boolean') return { kind: 'bool' };
  return Array.isArray(value) ? { kind: 'array' } : { kind: 'object' };
}

/**
 * The streaming walk over JSON text: a stack of open objects and arrays, each knowing its
 * schema node (undefined: skipped, as unknown fields and mismatched values are) and context.
 */
function walkText(walk: TypeWalk, root: FieldNode, text: string): void {
  interface Frame { node: FieldNode | undefined; ctx: Context; array: boolean }
  const stack: Frame[] = [];
  let pending: { node: FieldNode | undefined; ctx: Context } = { node: root, ctx: ROOT };
  const next = (): { node: FieldNode | undefined; ctx: Context } => {
    const top = stack[stack.length - 1];
    if (!top?.array) return pending;
    if (!top.node) return { node: undefined, ctx: top.ctx };
    // Items of a []byte are bytes: marked with a node of their own below.
    return { node: top.node.type === 'list' ? itemNode(top.node) : BYTE_ITEM, ctx: top.ctx };
  };
  const open = (array: boolean) => {
    const { node, ctx } = next();
    let keep: FieldNode | undefined;
    if (node && node.type !== 'any' && node !== BYTE_ITEM) {
      if (array ? node.type === 'list' || isByteNode(node) : node.type === 'struct' || node.type === 'map') keep = node;
      else walk.leaf(node, { kind: array ? 'array' : 'object' }, ctx);
    } else if (node === BYTE_ITEM) walk.byteItem({ kind: array ? 'array' : 'object' }, ctx);
    stack.push({ node: keep, ctx, array });
  };
  jsonc.visit(text, {
    onObjectBegin: () => open(false),
    onArrayBegin: () => open(true),
    onObjectEnd: () => { stack.pop(); },
    onArrayEnd: () => { stack.pop(); },
    onObjectProperty: (key) => {
      const top = stack[stack.length - 1]!;
      const node = top.node;
      if (!node) pending = { node: undefined, ctx: top.ctx };
      else if (node.type === 'map') pending = { node: node.values(), ctx: top.ctx };
      else if (node.type === 'struct') pending = { node: fieldNode(node, key), ctx: childContext(structName(node, top.ctx), top.ctx, key) };
    },
    onLiteralValue: (value, offset, length) => {
      const { node, ctx } = next();
      if (!node || value === null) return;
      const lit: Literal = typeof value === 'number' ? { kind: 'number', text: text.slice(offset, offset + length) } : literalOf(value);
      if (node === BYTE_ITEM) walk.byteItem(lit, ctx);
      else walk.leaf(node, lit, ctx);
    },
  }, { disallowComments: true, allowTrailingComma: false });
}

/** Marks the items of a JSON array decoded into a []byte. */
const BYTE_ITEM: FieldNode = { type: 'scalar', scalar: 'int32' };

/** Go's UnmarshalTypeError text; `withNumber`: Go names the number when it does not fit. */
function unmarshalTypeError(lit: Literal, goType: string, ctx: Context, withNumber = false): string {
  const what = lit.kind === 'number' ? (withNumber ? `number ${lit.text}` : 'number') : lit.kind;
  const into = ctx.path ? `Go struct field ${ctx.struct}.${ctx.path}` : 'Go value';
  return `json: cannot unmarshal ${what} into ${into} of type ${goType}`;
}

/** The Go type a JSON value decodes to in a map[string]interface{} (k8s.io/apimachinery's util/json keeps integers int64). */
function unstructuredType(lit: Literal): string {
  switch (lit.kind) {
    case 'number': return /^-?\d+$/.test(lit.text) ? 'int64' : 'float64';
    case 'array': return '[]interface {}';
    case 'object': return 'map[string]interface {}';
    default: return lit.kind;
  }
}

/** reflect.Kind's name of that type. */
function reflectKind(lit: Literal): string {
  const t = unstructuredType(lit);
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
  'int-or-string': 'intstr.IntOrString', quantity: 'resource.Quantity', time: 'v1.Time', microtime: 'v1.MicroTime',
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
  return `map[${Object.keys(obj).sort().map((k) => `${k}:${goPrint(ownValue(obj, k))}`).join(' ')}]`;
}
