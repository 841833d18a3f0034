// Request bodies read the way upstream's strict decoders read them. JSON: one streaming pass
// (jsonc-parser's visitor) reports duplicate fields and, against a kind's schema, unknown
// fields in document order, worded as sigs.k8s.io/json does; syntax errors are worded as Go's
// encoding/json. YAML: duplicate keys as yaml.v2's UnmarshalStrict words them (`line 12: key
// "paused" already set in map`), the last value winning as in a non-strict decode.
import jsonc from 'jsonc-parser';
import { LineCounter, parseDocument, isPair, isScalar, visit as visitYaml } from 'yaml';
import { fieldNode, itemNode, type FieldNode } from './fieldvalidation.js';
import { jsonDepthError, yamlDepthError } from './nesting-depth.js';

/** What a JSON body's strict read checks fields against. */
export type JsonShape =
  /** A kind's schema: unknown fields and duplicates (create, update). */
  | FieldNode
  /** Decoded into a generic map (merge and strategic patches): duplicates only. */
  | 'untyped';

const OPERATION: FieldNode = {
  type: 'struct',
  fields: new Map<string, () => FieldNode>([
    ['op', () => ({ type: 'scalar' })], ['path', () => ({ type: 'scalar' })],
    ['from', () => ({ type: 'scalar' })], ['value', () => ({ type: 'any' })],
  ]),
};
/** A JSON patch: a list of operations, whose `value` is raw. */
export const JSON_PATCH_SHAPE: FieldNode = { type: 'list', items: () => OPERATION };

interface Frame { node: FieldNode | 'untyped' | undefined; path: string; array: boolean; index: number; seen: Set<string>; unknown: Set<string> }

/**
 * The strict-decoding problems of a syntactically valid JSON text, in document order:
 * `unknown field "spec.foo"`, `duplicate field "spec.paused"` (each with `prefix`, e.g.
 * 'json patch '). Nothing is reported inside unknown fields or raw values. Never throws.
 * Stops at the first 100 distinct problems, as upstream's decoder keeps no more (and a body
 * of 100,000 unknown fields need not be scanned to its end).
 */
export function strictJsonProblems(text: string, shape: JsonShape, prefix = ''): string[] {
  try {
    return scanStrictProblems(text, shape, prefix);
  } catch (e) {
    if (e instanceof EnoughProblems) return e.problems;
    throw e;
  }
}

/** Upstream's sigs.k8s.io/json keeps the first 100 distinct strict errors of a decode. */
const MAX_STRICT_PROBLEMS = 100;

class EnoughProblems extends Error {
  constructor(readonly problems: string[]) { super('enough strict decoding problems'); }
}

function scanStrictProblems(text: string, shape: JsonShape, prefix: string): string[] {
  const seenProblems = new Set<string>();
  const problems = {
    push(p: string) {
      if (seenProblems.has(p)) return;
      seenProblems.add(p);
      if (seenProblems.size >= MAX_STRICT_PROBLEMS) throw new EnoughProblems([...seenProblems]);
    },
  };
  const stack: Frame[] = [];
  // The node and path of the value about to start (set by a property, or the root).
  let pending: { node: FieldNode | 'untyped' | undefined; path: string } = { node: shape, path: '' };
  const valueStarts = (): { node: FieldNode | 'untyped' | undefined; path: string } => {
    const top = stack[stack.length - 1];
    if (!top?.array) return pending;
    const i = top.index++;
    const node = top.node === 'untyped' ? 'untyped' : top.node && itemNode(top.node);
    return { node, path: `${top.path}[${i}]` };
  };
  const open = (array: boolean) => {
    const { node, path } = valueStarts();
    stack.push({ node: quiet(node) ? undefined : node, path, array, index: 0, seen: new Set(), unknown: new Set() });
  };
  jsonc.visit(text, {
    onObjectBegin: () => open(false),
    onArrayBegin: () => open(true),
    onObjectEnd: () => { stack.pop(); },
    onArrayEnd: () => { stack.pop(); },
    onLiteralValue: () => { valueStarts(); },
    onObjectProperty: (key) => {
      const top = stack[stack.length - 1]!;
      const path = top.path ? `${top.path}.${key}` : key;
      if (top.node === undefined) { pending = { node: undefined, path }; return; }
      const child = top.node === 'untyped' ? 'untyped' : fieldNode(top.node, key);
      const first = !top.seen.has(key);
      top.seen.add(key);
      if (!child) {
        // Unknown and also repeated: reported once, as unknown (as upstream's typed decoder).
        if (first) problems.push(`${prefix}unknown field "${path}"`);
        pending = { node: undefined, path };
        return;
      }
      if (!first) problems.push(`${prefix}duplicate field "${path}"`);
      pending = { node: child, path };
    },
  }, { disallowComments: true, allowTrailingComma: false });
  return [...seenProblems];
}

// Raw values (RawExtension, FieldsV1) are never looked into.
const quiet = (node: FieldNode | 'untyped' | undefined) => node === undefined || (node !== 'untyped' && node.type === 'any');

/**
 * Go's encoding/json wording of why `text` is not JSON (`invalid character 'x' looking for
 * beginning of value`, `unexpected end of JSON input`); undefined when it is JSON. Never throws.
 */
/**
 * A YAML body that is JSON text (what kubectl sends as apply-patch+yaml), parsed as JSON: the
 * same value the YAML parser gives, at JSON.parse speed (the `yaml` package takes seconds for
 * a few MiB). Undefined when the text is not JSON, or has duplicate keys (the YAML path
 * reports those in go-yaml's words).
 */
export function jsonAsYaml(text: string): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  if (jsonDepthError(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKeys(text) ? undefined : value;
}

/** Whether any JSON object in `text` (valid JSON) repeats a key. One linear pass. */
function hasDuplicateKeys(text: string): boolean {
  const stack: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) stack.push(new Set());
    else if (c === 0x5b) stack.push(undefined);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) { escaped = true; i++; }
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      const keys = stack[stack.length - 1];
      if (text[j] !== ':' || !keys) continue;
      const raw = text.slice(start, i + 1);
      const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return true;
      keys.add(key);
    }
  }
  return false;
}

/**
 * Parses a JSON body once: its value, or the syntax error in Go's encoding/json words (deep
 * nesting included). Never throws.
 */
export function parseJson(text: string): { value: unknown; error?: undefined } | { error: string } {
  // Before anything walks the text: too deep is a syntax error for Go too.
  const deep = jsonDepthError(text);
  if (deep) return { error: deep };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: goSyntaxError(text) };
  }
}

/** The syntax error of a JSON text in Go's words; undefined when it parses. */
export function jsonSyntaxError(text: string): string | undefined {
  return parseJson(text).error;
}

/** Where and why a text that JSON.parse refused is not JSON, as Go's decoder words it. */
function goSyntaxError(text: string): string {
  let found: { code: number; offset: number; inArray: boolean; depth: number } | undefined;
  const containers: boolean[] = []; // true = array
  jsonc.visit(text, {
    onObjectBegin: () => { containers.push(false); },
    onArrayBegin: () => { containers.push(true); },
    onObjectEnd: () => { containers.pop(); },
    onArrayEnd: () => { containers.pop(); },
    onError: (code, offset) => { found ??= { code, offset, inArray: containers[containers.length - 1] ?? false, depth: containers.length }; },
  }, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const at = found?.offset ?? text.length;
  if (text.trim() === '' || at >= text.length) return 'unexpected end of JSON input';
  const c = goQuoteChar(text[at]!);
  const before = text.slice(0, at).trimEnd().slice(-1);
  const code = found ? jsonc.printParseErrorCode(found.code as jsonc.ParseErrorCode) : '';
  if (found && found.depth === 0 && before !== '') return `invalid character ${c} after top-level value`;
  switch (code) {
    case 'ColonExpected': return `invalid character ${c} after object key`;
    case 'CommaExpected': case 'CloseBraceExpected': case 'CloseBracketExpected':
      return found!.inArray ? `invalid character ${c} after array element` : `invalid character ${c} after object key:value pair`;
    case 'EndOfFileExpected': return `invalid character ${c} after top-level value`;
    case 'UnexpectedEndOfString': return 'unexpected end of JSON input';
    case 'InvalidEscapeCharacter': {
      const bad = /\\([^"\\/bfnrtu])/.exec(text.slice(at));
      return `invalid character ${goQuoteChar(bad?.[1] ?? text[at]!)} in string escape code`;
    }
    case 'InvalidCharacter': return `invalid character ${c} in string literal`;
  }
  if (found && !found.inArray && found.depth > 0 && (before === '{' || before === ',')) return `invalid character ${c} looking for beginning of object key string`;
  return `invalid character ${c} looking for beginning of value`;
}

function goQuoteChar(ch: string): string {
  if (ch === "'") return `'\\''`;
  if (ch === '"') return `'"'`;
  const q = JSON.stringify(ch);
  return `'${q.slice(1, -1)}'`;
}

export interface YamlDecoded {
  value: unknown;
  /** yaml.v2's strict complaints, one per repeated key: `line 12: key "paused" already set in map`. */
  duplicates: string[];
}

/**
 * Decodes the first YAML document, accepting repeated keys (the last wins) and listing them.
 * Throws an Error worded `yaml: line N: <why>` when the text is not YAML.
 */
export function decodeYaml(text: string): YamlDecoded {
  const settled = yamlPrecheck(text);
  return settled ? { value: settled.value, duplicates: [] } : decodeYamlDocument(text);
}

/**
 * What the linear checks settle without the parser: a body nested too deep throws
 * `yaml: exceeded max depth of …`; JSON text is its value; undefined otherwise.
 */
export function yamlPrecheck(text: string): { value: unknown } | undefined {
  const deep = yamlDepthError(text);
  if (deep) throw new Error(`yaml: ${deep}`);
  const json = jsonAsYaml(text);
  return json === undefined ? undefined : { value: json };
}

/** decodeYaml's parser step alone, for text yamlPrecheck has already passed (the worker's). */
export function decodeYamlDocument(text: string): YamlDecoded {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new Error(`yaml: ${line ? `line ${line}: ` : ''}${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const duplicates: { at: number; message: string }[] = [];
  visitYaml(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        if (seen.has(key)) duplicates.push({ at, message: `line ${lineCounter.linePos(at).line}: key ${JSON.stringify(key)} already set in map` });
        seen.add(key);
      }
    },
  });
  // yaml.v2 complains in document order.
  duplicates.sort((a, b) => a.at - b.at);
  return { value: doc.toJS({ maxAliasCount: 100 }), duplicates: duplicates.map((d) => d.message) };
}
