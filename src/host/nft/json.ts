import { HostError } from '../errors.js';
import type { ChainType, Family, Hook, ListedChain, ListedElement, ListedRule, ListedSet, TableContents } from './types.js';

// Reading `nft -j list ...` (libnftables JSON, schema version 1). Pure, so the parsing is
// tested without nft. Only what the seam reports is read; everything else is skipped.

type Json = Record<string, unknown>;

function objects(stdout: string): Json[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw new HostError('EIO', `nft printed invalid JSON: ${(err as Error).message}`, 'nft');
  }
  const list = (doc as { nftables?: unknown })?.nftables;
  if (!Array.isArray(list)) throw new HostError('EIO', 'nft JSON has no "nftables" list', 'nft');
  const meta = (list[0] as { metainfo?: { json_schema_version?: unknown } })?.metainfo;
  if (meta && meta.json_schema_version !== undefined && meta.json_schema_version !== 1) {
    throw new HostError('EIO', `nft JSON schema version ${String(meta.json_schema_version)} is not supported`, 'nft');
  }
  return list as Json[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One key or value part: strings and numbers as text; prefixes as a/len; ranges as a-b. */
function token(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const o = v as Json;
  if (o && typeof o === 'object') {
    if ('prefix' in o) {
      const p = o.prefix as { addr: unknown; len: unknown };
      return `${token(p.addr)}/${String(p.len)}`;
    }
    if ('range' in o && Array.isArray(o.range)) return `${token(o.range[0])}-${token(o.range[1])}`;
  }
  return JSON.stringify(v);
}

function parts(v: unknown): string[] {
  const o = v as Json;
  if (o && typeof o === 'object' && Array.isArray(o.concat)) return o.concat.map(token);
  return [token(v)];
}

/** A set element is KEY or {elem:{val:KEY, comment}}; a map element is [that, VALUE]. */
function element(raw: unknown, isMap: boolean): ListedElement {
  const [k, v] = isMap && Array.isArray(raw) ? raw : [raw, undefined];
  const wrapped = (k as Json)?.elem as Json | undefined;
  const out: ListedElement = { key: parts(wrapped && typeof wrapped === 'object' ? wrapped.val : k) };
  if (isMap) {
    // A verdict map's value is {jump:{target}} / {accept:null}.
    const verdict = v && typeof v === 'object' && !('concat' in (v as Json)) && !('prefix' in (v as Json)) && !('range' in (v as Json));
    out.value = verdict ? [Object.entries(v as Json).map(([verb, arg]) => (arg && typeof arg === 'object' ? `${verb} ${String((arg as Json).target)}` : verb))[0] ?? ''] : parts(v);
  }
  const c = wrapped && typeof wrapped === 'object' ? str(wrapped.comment) : undefined;
  if (c !== undefined) out.comment = c;
  return out;
}

function typeText(t: unknown): string {
  return Array.isArray(t) ? t.join(' . ') : String(t);
}

function set(o: Json, kind: 'set' | 'map'): ListedSet {
  const out: ListedSet = {
    name: String(o.name), kind, type: typeText(o.type), flags: Array.isArray(o.flags) ? o.flags.map(String) : [],
    elements: Array.isArray(o.elem) ? o.elem.map((e) => element(e, kind === 'map')) : [],
  };
  if (kind === 'map') out.value = typeText(o.map);
  if (str(o.comment) !== undefined) out.comment = str(o.comment)!;
  return out;
}

function chain(o: Json): ListedChain {
  const out: ListedChain = { name: String(o.name) };
  if (str(o.type)) out.type = o.type as ChainType;
  if (str(o.hook)) out.hook = o.hook as Hook;
  if (typeof o.prio === 'number') out.priority = o.prio;
  if (str(o.policy)) out.policy = o.policy as string;
  if (str(o.comment) !== undefined) out.comment = str(o.comment)!;
  return out;
}

function rule(o: Json): ListedRule {
  const out: ListedRule = { chain: String(o.chain), handle: Number(o.handle) };
  if (str(o.comment) !== undefined) out.comment = str(o.comment)!;
  return out;
}

/** `nft -j list tables`. */
export function parseTables(stdout: string): { family: Family; name: string }[] {
  return objects(stdout).flatMap((o) => {
    const t = o.table as Json | undefined;
    return t ? [{ family: t.family as Family, name: String(t.name) }] : [];
  });
}

/** `nft -j list table <family> <name>`. */
export function parseTable(stdout: string, family: Family, name: string): TableContents {
  const out: TableContents = { family, name, chains: [], sets: [], rules: [] };
  for (const o of objects(stdout)) {
    const [kind, body] = Object.entries(o)[0] ?? [];
    if (!body || typeof body !== 'object' || (body as Json).table !== name) continue;
    if (kind === 'chain') out.chains.push(chain(body as Json));
    else if (kind === 'set' || kind === 'map') out.sets.push(set(body as Json, kind));
    else if (kind === 'rule') out.rules.push(rule(body as Json));
  }
  return out;
}

/** `nft -j list set|map <family> <table> <name>`. */
export function parseElements(stdout: string): ListedElement[] {
  for (const o of objects(stdout)) {
    const [kind, body] = Object.entries(o)[0] ?? [];
    if (kind === 'set' || kind === 'map') return set(body as Json, kind).elements;
  }
  return [];
}
