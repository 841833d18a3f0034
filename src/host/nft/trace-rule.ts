// The packet tracer's reading of one rule: the subset of nft rule syntax that skiff writes
// (portmap, bridge ipMasq) and kube-proxy's nftables mode writes (service dispatch through
// verdict maps, numgen endpoint choice, masquerade marks), parsed into statements the tracer
// evaluates in order. Anything else is refused with the rule's text, so a test tracing a rule
// the model does not know fails loudly instead of passing a packet it should not.

export type Field = 'saddr' | 'daddr';

/** Something a rule reads from the packet (or its connection). */
export type Selector =
  | { kind: 'addr'; family: 4 | 6; field: Field }
  | { kind: 'l4proto' }
  /** th dport, or tcp/udp/sctp dport, which also requires that protocol. */
  | { kind: 'port'; field: 'sport' | 'dport'; proto?: string }
  | { kind: 'ifname'; field: 'iif' | 'oif' }
  | { kind: 'mark'; mask?: number }
  /** fib saddr/daddr type: 'local' for the node's own addresses, else 'unicast'. */
  | { kind: 'fib'; field: Field }
  | { kind: 'ct'; field: 'state' | 'status' }
  | { kind: 'numgen'; mod: number };

export type Verdict =
  | { kind: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { kind: 'jump' | 'goto'; chain: string };

export type Lookup = { set: string } | { values: readonly string[] };

export type Statement =
  /** expr [!=] value | { values } | @set; a concatenation compares part by part. */
  | { kind: 'match'; expr: readonly Selector[]; negate: boolean; rhs: Lookup }
  | { kind: 'vmap'; expr: readonly Selector[]; map: string | readonly { key: string; verdict: Verdict }[] }
  /** dnat/snat to a literal 'addr[:port]', or to what a map gives for expr. */
  | { kind: 'nat'; type: 'dnat' | 'snat'; to: string | { expr: readonly Selector[]; map: string } }
  | { kind: 'masquerade' }
  | { kind: 'mark'; op: 'set' | 'or' | 'xor' | 'and'; value: number }
  | { kind: 'verdict'; verdict: Verdict };

export class TraceError extends Error {
  override readonly name = 'TraceError';
}

/** The words that start a packet field: after 'to', a map lookup rather than a literal address. */
const SELECTORS = new Set(['ip', 'ip6', 'th', 'tcp', 'udp', 'sctp', 'iifname', 'oifname', 'mark', 'meta', 'fib', 'ct', 'numgen']);
const SIMPLE_VERDICTS = new Set(['accept', 'drop', 'return', 'continue']);
const IGNORED = new Set(['counter']);
/** Protocol numbers nft may list instead of names. */
const PROTO_NAMES: ReadonlyMap<string, string> = new Map([['6', 'tcp'], ['17', 'udp'], ['132', 'sctp']]);

export const protoName = (token: string): string => PROTO_NAMES.get(token) ?? token;

/** Words, quoted strings, and the braces and commas of anonymous sets as tokens of their own. */
function tokenize(text: string): string[] {
  return [...text.matchAll(/"[^"]*"|[{},]|[^\s{},"]+/g)].map((m) => m[0]);
}

class Reader {
  private at = 0;
  constructor(private readonly tokens: readonly string[], private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(ahead = 0): string | undefined {
    return this.tokens[this.at + ahead];
  }

  next(what: string): string {
    const t = this.tokens[this.at++];
    if (t === undefined) throw this.fail(`ends where ${what} was expected`);
    return t;
  }

  expect(token: string): void {
    const t = this.next(`"${token}"`);
    if (t !== token) throw this.fail(`has "${t}" where "${token}" was expected`);
  }

  accept(token: string): boolean {
    if (this.peek() !== token) return false;
    this.at++;
    return true;
  }

  fail(why: string): TraceError {
    return new TraceError(`the tracer cannot read rule "${this.text}": it ${why}`);
  }
}

/** Parses one rule's text; throws TraceError for syntax outside the modelled subset. */
export function parseRule(text: string): Statement[] {
  const r = new Reader(tokenize(text), text);
  const out: Statement[] = [];
  while (!r.done) {
    const s = statement(r);
    if (s) out.push(s);
  }
  return out;
}

function statement(r: Reader): Statement | undefined {
  const t = r.peek()!;
  if (IGNORED.has(t)) {
    r.next('counter');
    return undefined;
  }
  if (t === 'comment') {
    r.next('comment');
    r.next('the comment');
    return undefined;
  }
  const verdict = tryVerdict(r);
  if (verdict) return { kind: 'verdict', verdict };
  if (t === 'dnat' || t === 'snat') return nat(r);
  if (t === 'masquerade') {
    r.next('masquerade');
    while (r.peek() === 'fully-random' || r.peek() === 'random' || r.peek() === 'persistent') r.next('a flag');
    return { kind: 'masquerade' };
  }
  if ((t === 'mark' || (t === 'meta' && r.peek(1) === 'mark')) && r.peek(t === 'mark' ? 1 : 2) === 'set') return markSet(r);
  return match(r);
}

function tryVerdict(r: Reader): Verdict | undefined {
  const t = r.peek();
  if (t === undefined) return undefined;
  if (SIMPLE_VERDICTS.has(t)) {
    r.next('a verdict');
    return { kind: t as 'accept' | 'drop' | 'return' | 'continue' };
  }
  if (t === 'reject') {
    r.next('reject');
    // 'reject with icmp type port-unreachable' and the like: how is not what a trace reports.
    if (r.accept('with')) while (!r.done && r.peek() !== 'comment') r.next('the reject reason');
    return { kind: 'reject' };
  }
  if (t === 'jump' || t === 'goto') {
    r.next(t);
    return { kind: t, chain: r.next('a chain name') };
  }
  return undefined;
}

/** A verdict map element's value as listed: 'goto chain', 'drop'. */
export function parseVerdict(text: string): Verdict {
  const r = new Reader(tokenize(text), text);
  const v = tryVerdict(r);
  if (!v || !r.done) throw new TraceError(`the tracer cannot read "${text}" as a verdict`);
  return v;
}

function selector(r: Reader): Selector {
  const t = r.next('a packet field');
  const field = (allowed: readonly string[]): string => {
    const f = r.next(`${t}'s field`);
    if (!allowed.includes(f)) throw r.fail(`has "${t} ${f}", which the tracer does not model`);
    return f;
  };
  switch (t) {
    case 'ip': case 'ip6': return { kind: 'addr', family: t === 'ip' ? 4 : 6, field: field(['saddr', 'daddr']) as Field };
    case 'th': return { kind: 'port', field: field(['sport', 'dport']) as 'sport' | 'dport' };
    case 'tcp': case 'udp': case 'sctp': return { kind: 'port', field: field(['sport', 'dport']) as 'sport' | 'dport', proto: t };
    case 'iifname': return { kind: 'ifname', field: 'iif' };
    case 'oifname': return { kind: 'ifname', field: 'oif' };
    case 'mark': return withMask(r);
    case 'meta': {
      const f = field(['l4proto', 'mark', 'iifname', 'oifname']);
      if (f === 'l4proto') return { kind: 'l4proto' };
      if (f === 'mark') return withMask(r);
      return { kind: 'ifname', field: f === 'iifname' ? 'iif' : 'oif' };
    }
    case 'fib': {
      const f = field(['saddr', 'daddr']) as Field;
      r.expect('type');
      return { kind: 'fib', field: f };
    }
    case 'ct': return { kind: 'ct', field: field(['state', 'status']) as 'state' | 'status' };
    case 'numgen': {
      r.expect('random');
      r.expect('mod');
      const mod = Number(r.next('the modulus'));
      if (!Number.isInteger(mod) || mod < 1) throw r.fail('has a numgen modulus that is not a positive integer');
      return { kind: 'numgen', mod };
    }
    default: throw r.fail(`has "${t}", which the tracer does not model`);
  }
}

function withMask(r: Reader): Selector {
  if (!r.accept('and')) return { kind: 'mark' };
  return { kind: 'mark', mask: number(r.next('a mask'), r) };
}

function number(token: string, r: Reader): number {
  const n = Number(token);
  if (!Number.isInteger(n) || n < 0) throw r.fail(`has "${token}" where a number was expected`);
  return n;
}

/** selector ( . selector )* */
function expression(r: Reader): Selector[] {
  const parts = [selector(r)];
  while (r.accept('.')) parts.push(selector(r));
  return parts;
}

function match(r: Reader): Statement {
  const expr = expression(r);
  if (r.accept('vmap')) {
    if (r.peek()?.startsWith('@')) return { kind: 'vmap', expr, map: r.next('a map').slice(1) };
    r.expect('{');
    const entries: { key: string; verdict: Verdict }[] = [];
    while (!r.accept('}')) {
      const key = r.next('a key');
      r.expect(':');
      const verdict = tryVerdict(r);
      if (!verdict) throw r.fail(`maps "${key}" to something that is not a verdict`);
      entries.push({ key, verdict });
      r.accept(',');
    }
    return { kind: 'vmap', expr, map: entries };
  }
  const negate = r.accept('!=');
  if (!negate) r.accept('==');
  return { kind: 'match', expr, negate, rhs: lookup(r) };
}

/** @set, { a, b }, or one value (a comma list for flags: 'established,related'). */
function lookup(r: Reader): Lookup {
  const first = r.next('a value');
  if (first.startsWith('@')) return { set: first.slice(1) };
  const values: string[] = [];
  if (first === '{') {
    while (!r.accept('}')) {
      values.push(unquote(r.next('a set member')));
      r.accept(',');
    }
    return { values };
  }
  values.push(unquote(first));
  while (r.accept(',')) values.push(unquote(r.next('a value')));
  return { values };
}

const unquote = (t: string) => (t.startsWith('"') ? t.slice(1, -1) : t);

function nat(r: Reader): Statement {
  const type = r.next('dnat or snat') as 'dnat' | 'snat';
  if (r.peek() === 'ip' || r.peek() === 'ip6') r.next('a family');
  if (r.accept('addr')) {
    r.expect('.');
    r.expect('port');
  }
  r.expect('to');
  if (!SELECTORS.has(r.peek() ?? '')) return { kind: 'nat', type, to: r.next('an address') };
  const expr = expression(r);
  r.expect('map');
  const map = r.next('a map');
  if (!map.startsWith('@')) throw r.fail(`has "${type} ... map ${map}": only named maps are modelled`);
  return { kind: 'nat', type, to: { expr, map: map.slice(1) } };
}

function markSet(r: Reader): Statement {
  if (r.accept('meta')) r.expect('mark');
  else r.expect('mark');
  r.expect('set');
  // 'mark set mark or 0x4000' (also with 'meta mark' on either side), or 'mark set 0x1'.
  const fromMeta = r.accept('meta');
  if (fromMeta) r.expect('mark');
  if (!fromMeta && !r.accept('mark')) return { kind: 'mark', op: 'set', value: number(r.next('a mark'), r) };
  const op = r.next('or, xor or and');
  if (op !== 'or' && op !== 'xor' && op !== 'and') throw r.fail(`sets the mark with "${op}"`);
  return { kind: 'mark', op, value: number(r.next('a mark'), r) };
}
