import { HostError, invalid } from '../errors.js';
import { FAMILIES, type Chain, type Element, type NftMap, type NftObject, type NftSet, type Rule, type Table, type Verb } from './types.js';

// A change set for nftables, built the way knftables builds one: each verb appends an op
// after checking it; the first invalid op poisons the transaction (later ops are ignored
// and running it rejects with that error). Pure: the real seam writes toString() to
// `nft -f -`, one op per line, so nft's line numbers name the failing op; the fake applies
// the ops to its model.

export interface Op {
  verb: Verb;
  obj: NftObject;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const TOKEN = /^[A-Za-z0-9_.:/-]+$/;
const VERDICT = /^(accept|drop|continue|return|(jump|goto) [A-Za-z_][A-Za-z0-9_.-]*)$/;
const TYPE = /^[a-z0-9_]+( \. [a-z0-9_]+)*$/;
/** nft's standard priority names and their values (the fake orders base chains by them). */
export const PRIORITIES: ReadonlyMap<string, number> = new Map([
  ['raw', -300], ['mangle', -150], ['dstnat', -100], ['filter', 0], ['security', 50], ['srcnat', 100], ['out', 100],
]);
const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const CHAIN_TYPES = new Set(['filter', 'nat', 'route']);
const SET_FLAGS = new Set(['interval', 'constant', 'timeout', 'dynamic']);
/** nft refuses longer comments. */
export const MAX_COMMENT = 128;

// Keyed by a kind the caller sent: a Map, so "constructor" is an unknown kind, not a function.
const VERBS: ReadonlyMap<string, readonly Verb[]> = new Map<NftObject['kind'], readonly Verb[]>([
  ['table', ['add', 'create', 'delete', 'flush']],
  ['chain', ['add', 'create', 'delete', 'flush']],
  ['rule', ['add', 'insert', 'replace', 'delete']],
  ['set', ['add', 'create', 'delete', 'flush']],
  ['map', ['add', 'create', 'delete', 'flush']],
  ['element', ['add', 'create', 'delete']],
]);

export class Transaction {
  private readonly list: Op[] = [];
  private poison: HostError | undefined;

  /** Ensures obj exists (creating it if missing). A rule is appended (after `handle` if set). */
  add(obj: NftObject): this {
    return this.push('add', obj);
  }

  /** Creates obj, which must not exist yet (EEXIST when run otherwise). */
  create(obj: NftObject): this {
    return this.push('create', obj);
  }

  /** Inserts a rule at the head of its chain (before `handle` if set). */
  insert(obj: Rule): this {
    return this.push('insert', obj);
  }

  /** Replaces the rule with obj.handle. */
  replace(obj: Rule): this {
    return this.push('replace', obj);
  }

  /** Deletes obj (ENOENT when run if it does not exist). Rules by handle, elements by key. */
  delete(obj: NftObject): this {
    return this.push('delete', obj);
  }

  /** Empties a table (its chains' rules), a chain (its rules) or a set/map (its elements). */
  flush(obj: Table | Chain | NftSet | NftMap): this {
    return this.push('flush', obj);
  }

  get ops(): readonly Op[] {
    return this.list;
  }

  /** The first invalid op's error, if any. */
  get err(): HostError | undefined {
    return this.poison;
  }

  get size(): number {
    return this.list.length;
  }

  /** The nft script, one op per line; a poisoned transaction ends with its error as a comment. */
  toString(): string {
    const text = this.list.map(render).join('');
    return this.poison ? `${text}# ERROR: ${this.poison.message}\n` : text;
  }

  private push(verb: Verb, obj: NftObject): this {
    if (this.poison) return this;
    try {
      validate(verb, obj);
      this.list.push({ verb, obj: structuredClone(obj) });
    } catch (err) {
      this.poison = err as HostError;
      this.poison.opIndex = this.list.length;
    }
    return this;
  }
}

/** Where an object lives, for messages: 'ip skiff-portmap map hostports'. */
export function describeObject(obj: NftObject): string {
  switch (obj.kind) {
    case 'table': return `table ${obj.family} ${obj.name}`;
    case 'chain': case 'set': case 'map': return `${obj.kind} ${obj.family} ${obj.table} ${obj.name}`;
    case 'rule': return `rule in chain ${obj.family} ${obj.table} ${obj.chain}${obj.handle !== undefined ? ` (handle ${obj.handle})` : ''}`;
    case 'element': return `element { ${obj.key.join(' . ')} } of ${obj.family} ${obj.table} ${obj.set ?? obj.map}`;
  }
}

function validate(verb: Verb, obj: NftObject): void {
  const what = `${verb} ${obj?.kind ?? 'object'}`;
  const verbs = obj ? VERBS.get(obj.kind) : undefined;
  if (!verbs) throw invalid(`${what}: unknown object kind "${String(obj?.kind)}"`);
  if (!verbs.includes(verb)) throw invalid(`${what}: nft has no "${verb}" for a ${obj.kind}`);
  if (!FAMILIES.includes(obj.family)) throw invalid(`${what}: unknown family "${String(obj.family)}"`);
  if (obj.kind === 'table') {
    name(obj.name, what, 'table');
  } else {
    name(obj.table, what, 'table');
  }
  if (obj.comment !== undefined) comment(obj.comment, what);
  switch (obj.kind) {
    case 'table': return;
    case 'chain': return checkChain(obj, what);
    case 'rule': return checkRule(verb, obj, what);
    case 'set': case 'map': return checkSet(verb, obj, what);
    case 'element': return checkElement(verb, obj, what);
  }
}

function name(value: unknown, what: string, field: string): void {
  if (typeof value !== 'string' || !NAME.test(value) || value.length > 255) {
    throw invalid(`${what}: ${field} name "${String(value)}" must be a letter or '_' followed by letters, digits, '_', '.' or '-'`);
  }
}

function comment(value: unknown, what: string): void {
  if (typeof value !== 'string' || /["\\\n\r]/.test(value) || value.length > MAX_COMMENT) {
    throw invalid(`${what}: comment must be a string of at most ${MAX_COMMENT} characters without quotes, backslashes or newlines`);
  }
}

function checkChain(c: Chain, what: string): void {
  name(c.name, what, 'chain');
  const base = [c.type, c.hook, c.priority].filter((x) => x !== undefined).length;
  if (base !== 0 && base !== 3) throw invalid(`${what} "${c.name}": a base chain needs type, hook and priority together`);
  if (c.policy !== undefined && base === 0) throw invalid(`${what} "${c.name}": only a base chain has a policy`);
  if (c.type !== undefined && !CHAIN_TYPES.has(c.type)) throw invalid(`${what} "${c.name}": unknown chain type "${c.type}"`);
  if (c.hook !== undefined && !HOOKS.has(c.hook)) throw invalid(`${what} "${c.name}": unknown hook "${c.hook}"`);
  if (c.priority !== undefined) {
    const p = c.priority;
    const ok = typeof p === 'number' ? Number.isInteger(p) : /^([a-z]+)( [+-] \d+)?$/.test(p) && PRIORITIES.has(p.split(' ')[0]!);
    if (!ok) throw invalid(`${what} "${c.name}": priority "${String(p)}" is neither an integer nor a standard name`);
  }
  if (c.policy !== undefined && c.policy !== 'accept' && c.policy !== 'drop') throw invalid(`${what} "${c.name}": policy must be accept or drop`);
}

function checkRule(verb: Verb, r: Rule, what: string): void {
  name(r.chain, what, 'chain');
  if (r.handle !== undefined && (!Number.isInteger(r.handle) || r.handle <= 0)) throw invalid(`${what}: handle must be a positive integer`);
  if ((verb === 'replace' || verb === 'delete') && r.handle === undefined) throw invalid(`${what}: needs the rule's handle`);
  if (verb === 'delete') return;
  if (typeof r.rule !== 'string' || !r.rule.trim()) throw invalid(`${what}: rule text is missing`);
  // One op per line, and nothing that would end the command or start a script comment.
  if (/[\n\r;#]/.test(r.rule)) throw invalid(`${what}: rule "${r.rule}" must be one line without ';' or '#'`);
}

function checkSet(verb: Verb, s: NftSet | NftMap, what: string): void {
  name(s.name, what, s.kind);
  if (verb !== 'add' && verb !== 'create') return;
  if (typeof s.type !== 'string' || !TYPE.test(s.type)) throw invalid(`${what} "${s.name}": type "${String(s.type)}" must be data types joined by ' . '`);
  if (s.kind === 'map' && (typeof s.value !== 'string' || !TYPE.test(s.value))) throw invalid(`${what} "${s.name}": value type "${String(s.value)}" must be data types joined by ' . '`);
  for (const f of s.flags ?? []) if (!SET_FLAGS.has(f)) throw invalid(`${what} "${s.name}": unknown flag "${f}"`);
}

function checkElement(verb: Verb, e: Element, what: string): void {
  if ((e.set === undefined) === (e.map === undefined)) throw invalid(`${what}: name exactly one of set or map`);
  name(e.set ?? e.map, what, e.set !== undefined ? 'set' : 'map');
  tokens(e.key, what, 'key');
  if (e.set !== undefined && e.value !== undefined) throw invalid(`${what}: an element of set "${e.set}" has no value`);
  if (e.map !== undefined && (verb !== 'delete' || e.value !== undefined)) tokens(e.value, what, 'value');
}

function tokens(list: unknown, what: string, field: string): void {
  if (!Array.isArray(list) || list.length === 0) throw invalid(`${what}: ${field} must be a non-empty list of tokens`);
  for (const t of list) {
    // A verdict map's value is one verdict: 'accept', 'drop', 'jump <chain>', 'goto <chain>'.
    if (field === 'value' && list.length === 1 && typeof t === 'string' && VERDICT.test(t)) continue;
    if (typeof t !== 'string' || !TOKEN.test(t)) throw invalid(`${what}: ${field} part "${String(t)}" is not an address, number or name`);
  }
}

const quoted = (c: string | undefined) => (c === undefined ? '' : ` comment "${c}"`);

/** One op as one line of an nft script. */
export function render({ verb, obj }: Op): string {
  switch (obj.kind) {
    case 'table':
      return `${verb} table ${obj.family} ${obj.name}${verb !== 'delete' && verb !== 'flush' && obj.comment !== undefined ? ` {${quoted(obj.comment)} ; }` : ''}\n`;
    case 'chain': {
      const at = `${verb} chain ${obj.family} ${obj.table} ${obj.name}`;
      if (verb === 'delete' || verb === 'flush') return `${at}\n`;
      const parts = [
        ...(obj.hook !== undefined ? [`type ${obj.type} hook ${obj.hook} priority ${obj.priority} ;`] : []),
        ...(obj.policy !== undefined ? [`policy ${obj.policy} ;`] : []),
        ...(obj.comment !== undefined ? [`${quoted(obj.comment).trim()} ;`] : []),
      ];
      return parts.length ? `${at} { ${parts.join(' ')} }\n` : `${at}\n`;
    }
    case 'rule': {
      const at = `${verb} rule ${obj.family} ${obj.table} ${obj.chain}${obj.handle !== undefined ? ` handle ${obj.handle}` : ''}`;
      return verb === 'delete' ? `${at}\n` : `${at} ${obj.rule!.trim()}${quoted(obj.comment)}\n`;
    }
    case 'set': case 'map': {
      const at = `${verb} ${obj.kind} ${obj.family} ${obj.table} ${obj.name}`;
      if (verb === 'delete' || verb === 'flush') return `${at}\n`;
      const type = obj.kind === 'map' ? `${obj.type} : ${obj.value}` : obj.type;
      const flags = obj.flags?.length ? ` flags ${obj.flags.join(',')} ;` : '';
      return `${at} { type ${type} ;${flags}${obj.comment !== undefined ? `${quoted(obj.comment)} ;` : ''} }\n`;
    }
    case 'element': {
      const at = `${verb} element ${obj.family} ${obj.table} ${obj.set ?? obj.map}`;
      if (verb === 'delete') return `${at} { ${obj.key.join(' . ')} }\n`;
      const value = obj.value !== undefined ? ` : ${obj.value.join(' . ')}` : '';
      return `${at} { ${obj.key.join(' . ')}${quoted(obj.comment)}${value} }\n`;
    }
  }
}
