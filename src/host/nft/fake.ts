import type { FakeKernel } from '../fake-kernel.js';
import { HostError } from '../errors.js';
import { hostError } from './exec.js';
import { describeObject, PRIORITIES, type Op, type Transaction } from './transaction.js';
import type {
  Chain, Conntrack, Element, Family, Flow, FlowFilter, ListedChain, ListedElement, ListedRule, ListedSet, Nft, NftMap, NftSet, Rule, Table,
  TableContents,
} from './types.js';

// nftables as a model of what the kernel keeps: tables holding chains (with rules), sets
// and maps (with elements), each op checked the way nf_tables checks it (the table must
// exist, create refuses what exists, a map element's key may not be re-added with another
// value, what a rule references must exist and cannot be deleted while referenced). A
// transaction is applied to a copy that replaces the state only when every op succeeded.
// Rules are kept as text and scanned for '@set' and 'jump/goto chain' references.

export interface FakeRule { handle: number; text: string; comment?: string; sets: string[]; chains: string[] }
export interface FakeChain { spec: ListedChain; rules: FakeRule[] }
export interface FakeSet { spec: Omit<ListedSet, 'elements'>; elements: Map<string, ListedElement> }
export interface FakeTable { family: Family; name: string; comment?: string; chains: Map<string, FakeChain>; sets: Map<string, FakeSet>; nextHandle: number }
type Ruleset = Map<string, FakeTable>;

/** Namespaces: the fake kernel's (ENOENT for an unknown pin) or, without one, any path. */
class Namespaces<T> {
  private readonly byNs = new Map<string | number, T>();
  constructor(private readonly kernel: FakeKernel | undefined, private readonly empty: () => T) {}

  key(netns: string | undefined): string | number {
    return this.kernel ? this.kernel.resolve(netns).id : (netns ?? '');
  }

  get(netns: string | undefined): T {
    const k = this.key(netns);
    let v = this.byNs.get(k);
    if (!v) this.byNs.set(k, (v = this.empty()));
    return v;
  }

  set(netns: string | undefined, v: T): void {
    this.byNs.set(this.key(netns), v);
  }
}

const tableKey = (family: Family, name: string) => `${family} ${name}`;
const elementKey = (key: readonly string[]) => key.join(' . ');
const arity = (type: string) => type.split(' . ').length;

export class FakeNft implements Nft {
  private readonly state: Namespaces<Ruleset>;
  /** How many transactions were committed (tests check that a no-op did not run nft). */
  commits = 0;

  constructor(kernel?: FakeKernel) {
    this.state = new Namespaces<Ruleset>(kernel, () => new Map());
  }

  async run(tx: Transaction, netns?: string): Promise<void> {
    const next = this.apply(tx, netns);
    if (next) {
      this.state.set(netns, next);
      this.commits++;
    }
  }

  async check(tx: Transaction, netns?: string): Promise<void> {
    this.apply(tx, netns);
  }

  async listTables(netns?: string): Promise<{ family: Family; name: string }[]> {
    return [...this.state.get(netns).values()].map((t) => ({ family: t.family, name: t.name }));
  }

  async listTable(family: Family, table: string, netns?: string): Promise<TableContents> {
    const t = findTable(this.state.get(netns), family, table, `list table ${family} ${table}`);
    const rules: ListedRule[] = [...t.chains.entries()].flatMap(([chain, c]) => c.rules.map((r) => ({ chain, handle: r.handle, ...(r.comment !== undefined ? { comment: r.comment } : {}) })));
    return {
      family, name: table,
      chains: [...t.chains.values()].map((c) => structuredClone(c.spec)),
      sets: [...t.sets.values()].map((s) => ({ ...structuredClone(s.spec), elements: [...s.elements.values()].map((e) => structuredClone(e)) })),
      rules,
    };
  }

  async listElements(family: Family, table: string, kind: 'set' | 'map', name: string, netns?: string): Promise<ListedElement[]> {
    const t = findTable(this.state.get(netns), family, table, `list ${kind} ${family} ${table} ${name}`);
    const s = t.sets.get(name);
    if (!s || s.spec.kind !== kind) throw noent(`list ${kind} ${family} ${table} ${name}`);
    return [...s.elements.values()].map((e) => structuredClone(e));
  }

  /** A copy of the whole model, rule texts included, in the order tables were added: what
   *  the packet tracer (./trace.ts) evaluates. */
  ruleset(netns?: string): FakeTable[] {
    return structuredClone([...this.state.get(netns).values()]);
  }

  async probe(netns?: string): Promise<void> {
    this.state.key(netns);
  }

  /** The state after tx, or undefined for an empty transaction. Throws like nft. */
  private apply(tx: Transaction, netns: string | undefined): Ruleset | undefined {
    if (tx.err) throw tx.err;
    const current = this.state.get(netns);
    if (tx.size === 0) return undefined;
    const next = structuredClone(current);
    tx.ops.forEach((op, i) => {
      try {
        applyOp(next, op);
      } catch (err) {
        if (err instanceof HostError) err.opIndex = i;
        throw err;
      }
    });
    return next;
  }
}

function noent(what: string): HostError {
  return hostError('ENOENT', `${what}: Error: Could not process rule: No such file or directory`, 'nft');
}

function fail(code: 'EEXIST' | 'EBUSY' | 'EINVAL' | 'EOPNOTSUPP', what: string): HostError {
  const text = { EEXIST: 'File exists', EBUSY: 'Device or resource busy', EINVAL: 'Invalid argument', EOPNOTSUPP: 'Operation not supported' }[code];
  return hostError(code, `${what}: Error: Could not process rule: ${text}`, 'nft');
}

function findTable(rs: Ruleset, family: Family, name: string, what: string): FakeTable {
  const t = rs.get(tableKey(family, name));
  if (!t) throw noent(what);
  return t;
}

function applyOp(rs: Ruleset, { verb, obj }: Op): void {
  const what = `${verb} ${describeObject(obj)}`;
  if (obj.kind === 'table') return tableOp(rs, verb, obj, what);
  const t = findTable(rs, obj.family, obj.table, what);
  switch (obj.kind) {
    case 'chain': return chainOp(t, verb, obj, what);
    case 'rule': return ruleOp(t, verb, obj, what);
    case 'set': case 'map': return setOp(t, verb, obj, what);
    case 'element': return elementOp(t, verb, obj, what);
  }
}

function tableOp(rs: Ruleset, verb: string, obj: Table, what: string): void {
  const key = tableKey(obj.family, obj.name);
  const t = rs.get(key);
  if (verb === 'add' || verb === 'create') {
    if (t && verb === 'create') throw fail('EEXIST', what);
    if (!t) rs.set(key, { family: obj.family, name: obj.name, ...(obj.comment !== undefined ? { comment: obj.comment } : {}), chains: new Map(), sets: new Map(), nextHandle: 1 });
    return;
  }
  if (!t) throw noent(what);
  if (verb === 'delete') rs.delete(key);
  else for (const c of t.chains.values()) c.rules = [];
}

function chainOp(t: FakeTable, verb: string, obj: Chain, what: string): void {
  const c = t.chains.get(obj.name);
  if (verb === 'add' || verb === 'create') {
    if (c) {
      if (verb === 'create') throw fail('EEXIST', what);
      if (obj.hook === undefined) return; // re-adding without a hook changes nothing
      if (c.spec.hook === undefined || c.spec.type !== obj.type) throw fail('EEXIST', what);
      if (c.spec.hook !== obj.hook || c.spec.priority !== priorityOf(obj)) throw fail('EOPNOTSUPP', what);
      if (obj.policy) c.spec.policy = obj.policy;
      return;
    }
    const spec: ListedChain = { name: obj.name };
    if (obj.hook !== undefined) {
      if (obj.hook === 'output' && obj.priority === 'dstnat') throw fail('EINVAL', `${what}: invalid priority expression value in this context`);
      Object.assign(spec, { type: obj.type, hook: obj.hook, priority: priorityOf(obj), policy: obj.policy ?? 'accept' });
    }
    if (obj.comment !== undefined) spec.comment = obj.comment;
    t.nextHandle++;
    t.chains.set(obj.name, { spec, rules: [] });
    return;
  }
  if (!c) throw noent(what);
  if (verb === 'flush') {
    c.rules = [];
    return;
  }
  const users = [...t.chains.entries()].filter(([name, other]) => name !== obj.name && other.rules.some((r) => r.chains.includes(obj.name)));
  if (users.length) throw fail('EBUSY', `${what} (jumped to from ${users.map(([n]) => n).join(', ')})`);
  t.chains.delete(obj.name);
}

function priorityOf(c: Chain): number | undefined {
  if (typeof c.priority === 'number' || c.priority === undefined) return c.priority;
  const [name, sign, n] = c.priority.split(' ');
  const base = PRIORITIES.get(name!) ?? 0;
  return sign === '-' ? base - Number(n) : sign === '+' ? base + Number(n) : base;
}

function ruleOp(t: FakeTable, verb: string, obj: Rule, what: string): void {
  const c = t.chains.get(obj.chain);
  if (!c) throw noent(what);
  const at = obj.handle !== undefined ? c.rules.findIndex((r) => r.handle === obj.handle) : -1;
  if (obj.handle !== undefined && at < 0) throw noent(what);
  if (verb === 'delete') {
    c.rules.splice(at, 1);
    return;
  }
  const text = obj.rule!.trim();
  const sets = [...text.matchAll(/@([A-Za-z_][\w.-]*)/g)].map((m) => m[1]!);
  const chains = [...text.matchAll(/\b(?:jump|goto)\s+([A-Za-z_][\w.-]*)/g)].map((m) => m[1]!);
  const missing = [...sets.filter((s) => !t.sets.has(s)).map((s) => `@${s}`), ...chains.filter((n) => !t.chains.has(n))];
  if (missing.length) throw noent(`${what} (${missing.join(', ')})`);
  const rule: FakeRule = { handle: t.nextHandle++, text, sets, chains, ...(obj.comment !== undefined ? { comment: obj.comment } : {}) };
  if (verb === 'replace') c.rules[at] = { ...rule, handle: obj.handle! };
  else if (verb === 'insert') c.rules.splice(at < 0 ? 0 : at, 0, rule);
  else c.rules.splice(at < 0 ? c.rules.length : at + 1, 0, rule);
}

function setOp(t: FakeTable, verb: string, obj: NftSet | NftMap, what: string): void {
  const s = t.sets.get(obj.name);
  if (verb === 'add' || verb === 'create') {
    const value = obj.kind === 'map' ? obj.value : undefined;
    if (s) {
      if (verb === 'create' || s.spec.kind !== obj.kind || s.spec.type !== obj.type || s.spec.value !== value) throw fail('EEXIST', what);
      return;
    }
    const spec: Omit<ListedSet, 'elements'> = { name: obj.name, kind: obj.kind, type: obj.type!, flags: [...(obj.flags ?? [])] };
    if (value !== undefined) spec.value = value;
    if (obj.comment !== undefined) spec.comment = obj.comment;
    t.nextHandle++;
    t.sets.set(obj.name, { spec, elements: new Map() });
    return;
  }
  if (!s || s.spec.kind !== obj.kind) throw noent(what);
  if (verb === 'flush') {
    s.elements.clear();
    return;
  }
  const users = [...t.chains.entries()].filter(([, c]) => c.rules.some((r) => r.sets.includes(obj.name)));
  if (users.length) throw fail('EBUSY', `${what} (used in chain ${users.map(([n]) => n).join(', ')})`);
  t.sets.delete(obj.name);
}

function elementOp(t: FakeTable, verb: string, obj: Element, what: string): void {
  const s = t.sets.get((obj.set ?? obj.map)!);
  if (!s) throw noent(what);
  const key = elementKey(obj.key);
  const existing = s.elements.get(key);
  if (obj.key.length !== arity(s.spec.type)) throw fail('EINVAL', `${what}: key has ${obj.key.length} parts, type ${s.spec.type} has ${arity(s.spec.type)}`);
  if (verb === 'delete') {
    if (!existing) throw noent(what);
    s.elements.delete(key);
    return;
  }
  if (s.spec.kind === 'set' && obj.value !== undefined) throw fail('EINVAL', `${what}: set is not a map`);
  if (s.spec.kind === 'map') {
    if (obj.value === undefined) throw fail('EINVAL', `${what}: a map element needs a value`);
    if (obj.value.length !== arity(s.spec.value!)) throw fail('EINVAL', `${what}: value has ${obj.value.length} parts, type ${s.spec.value} has ${arity(s.spec.value!)}`);
  }
  if (existing) {
    // The kernel keeps the element (and its comment) when the same key comes again with the
    // same value; another value, or create, is a clash.
    if (verb === 'create' || elementKey(existing.value ?? []) !== elementKey(obj.value ?? [])) throw fail('EEXIST', what);
    return;
  }
  const e: ListedElement = { key: [...obj.key] };
  if (obj.value !== undefined) e.value = [...obj.value];
  if (obj.comment !== undefined) e.comment = obj.comment;
  s.elements.set(key, e);
}

/** Connection tracking entries per namespace; tests add flows with track(). */
export class FakeConntrack implements Conntrack {
  private readonly state: Namespaces<Flow[]>;

  constructor(kernel?: FakeKernel) {
    this.state = new Namespaces<Flow[]>(kernel, () => []);
  }

  /** Records a flow, as a packet through a conntrack-enabled hook would. */
  track(flow: Flow, netns?: string): void {
    this.state.get(netns).push({ ...flow });
  }

  async delete(filter: FlowFilter, netns?: string): Promise<number> {
    const flows = this.state.get(netns);
    const keep = flows.filter((f) => !matches(f, filter));
    this.state.set(netns, keep);
    return flows.length - keep.length;
  }

  async list(filter: FlowFilter, netns?: string): Promise<Flow[]> {
    return this.state.get(netns).filter((f) => matches(f, filter)).map((f) => ({ ...f }));
  }
}

function matches(f: Flow, filter: FlowFilter): boolean {
  return f.family === filter.family && f.protocol === filter.protocol && (filter.dport === undefined || f.dport === filter.dport);
}
