import type { FakeChain, FakeNft, FakeTable } from './fake.js';
import { parseRule, parseVerdict, protoName, TraceError, type Lookup, type Selector, type Statement, type Verdict } from './trace-rule.js';
import { addrFits, endpoint, numberFits, text, type Endpoint } from './trace-values.js';
import type { Hook } from './types.js';

// The packet tracer: what FakeNft's ruleset would do to the first packet of a new connection,
// so a rule generator (portmap today, the service proxy next) is tested by behaviour — "pod to
// ClusterIP is DNATed to the endpoint" — rather than by the text of its rules. As kube-proxy's
// nftables tests do (pkg/proxy/nftables/helpers_test.go), but over the whole path:
//
//   from outside: prerouting ─▶ (dst local after DNAT?) ─▶ input
//                                                     └─▶ forward ─▶ postrouting
//   from local:   output ─▶ postrouting ─▶ (dst local?) ─▶ input
//
// At each hook the base chains of the packet's family (ip or ip6, and inet) run by priority; a
// drop or reject ends the trace, an accept ends that base chain only. NAT as the kernel does
// it: the first nat chain of a hook that translates wins (later ones at that hook are skipped),
// a DNAT moves the destination the later hooks and the routing decision see, `ct status dnat`
// is true after one. `numgen random` forks the trace: every value is followed unless fixed.
// bridge, arp and netdev tables are not traced (they see frames, not this packet).

export interface Packet {
  /** The source address, with ':port' when a rule reads the source port ('[v6]:port' for v6). */
  src: string;
  /** The destination 'address:port' ('[fd00::1]:80'). */
  dst: string;
  proto: 'tcp' | 'udp' | 'sctp';
  /** Interface names, needed only when a rule reads them (iifname, oifname). */
  iif?: string;
  oif?: string;
  /** 'outside' (default): arrives on an interface, through prerouting; 'local': sent by a
   *  process of the node, through output. */
  from?: 'outside' | 'local';
  /** The node's own addresses, for `fib ... type local` and the routing decision; loopback always is. */
  local?: readonly string[];
  mark?: number;
  /** The namespace whose ruleset is traced (the fake's key, as for Nft.run). */
  netns?: string;
  /** numgen results in the order the trace meets them; unfixed ones fork the trace. */
  random?: readonly number[];
}

/** One way through the ruleset. */
export interface TracedPath {
  /** What was done to the packet: 'DNAT 10.244.1.5:8080', 'SNAT 10.0.0.1', 'MASQUERADE', 'DROP', 'REJECT'. */
  actions: string[];
  /** The rules that acted ('ip skiff-portmap hostports: dnat ...'), for a failing test's message. */
  rules: string[];
  /** Where the packet went in the end, and its mark. */
  dst: string;
  mark: number;
}

/** The actions of every path, in numgen order: ['DNAT 10.244.1.5:8080', 'DNAT 10.244.2.7:8080']. */
export function trace(nft: FakeNft, packet: Packet): string[] {
  return tracePaths(nft, packet).flatMap((p) => p.actions);
}

/** Every path a packet can take (more than one only through numgen). Throws TraceError for a
 *  rule outside the modelled syntax or a packet missing a field a rule reads. */
export function tracePaths(nft: FakeNft, packet: Packet): TracedPath[] {
  const tables = nft.ruleset(packet.netns);
  const paths: TracedPath[] = [];
  // Odometer over the numgen choices: run, then advance the last choice that has values left.
  let fixed: number[] = [...(packet.random ?? [])];
  // Rules are parsed once per call, not once per path and visit (the ruleset is a snapshot).
  const parsed = new Map<string, Statement[]>();
  const parse = (text: string): Statement[] => {
    let statements = parsed.get(text);
    if (!statements) parsed.set(text, (statements = parseRule(text)));
    return statements;
  };
  for (;;) {
    const choices = new Choices(fixed, packet.random?.length ?? 0);
    paths.push(new Tracer(tables, packet, choices, parse).run());
    const next = choices.advance();
    if (!next) return paths;
    fixed = next;
  }
}

class Choices {
  private readonly taken: { value: number; of: number }[] = [];
  constructor(private readonly preset: readonly number[], private readonly pinned: number) {}

  pick(of: number): number {
    const i = this.taken.length;
    const value = i < this.preset.length ? this.preset[i]! % of : 0;
    this.taken.push({ value, of });
    return value;
  }

  /** The choices of the next path, or undefined when every combination was traced. */
  advance(): number[] | undefined {
    for (let i = this.taken.length - 1; i >= this.pinned; i--) {
      const { value, of } = this.taken[i]!;
      if (value + 1 < of) return [...this.taken.slice(0, i).map((c) => c.value), value + 1];
    }
    return undefined;
  }
}


type Outcome = 'accept' | 'drop' | 'reject' | 'return';

const NAT_KIND: ReadonlyMap<Hook, 'dnat' | 'snat'> = new Map([['prerouting', 'dnat'], ['output', 'dnat'], ['postrouting', 'snat'], ['input', 'snat']]);
/** The kernel's jump stack depth (NFT_JUMP_STACK_SIZE). */
const MAX_DEPTH = 16;

class Tracer {
  private src: Endpoint;
  private dst: Endpoint;
  private mark: number;
  private readonly status = new Set<string>();
  private readonly local: Set<string>;
  private readonly actions: string[] = [];
  private readonly rules: string[] = [];
  private hook: Hook = 'prerouting';
  /** A nat chain of the current hook translated: later nat chains of that hook are skipped. */
  private translated = false;

  constructor(private readonly tables: readonly FakeTable[], private readonly packet: Packet, private readonly choices: Choices, private readonly parse: (text: string) => Statement[]) {
    this.src = endpoint(packet.src, 'src', false);
    this.dst = endpoint(packet.dst, 'dst', true);
    if (this.src.family !== this.dst.family) throw new TraceError(`src ${packet.src} and dst ${packet.dst} are of different families`);
    this.mark = packet.mark ?? 0;
    this.local = new Set((packet.local ?? []).map((a) => endpoint(a, 'local', false).addr));
  }

  run(): TracedPath {
    const hooks: Hook[] = this.packet.from === 'local' ? ['output', 'postrouting'] : ['prerouting'];
    for (let i = 0; i < hooks.length; i++) {
      if (!this.runHook(hooks[i]!)) return this.result();
      // The routing decision, on the destination after any DNAT.
      if (hooks[i] === 'prerouting') hooks.push(...(this.isLocal(this.dst.addr) ? ['input' as const] : ['forward' as const, 'postrouting' as const]));
      if (hooks[i] === 'postrouting' && this.packet.from === 'local' && this.isLocal(this.dst.addr)) hooks.push('input');
    }
    return this.result();
  }

  private result(): TracedPath {
    return { actions: this.actions, rules: this.rules, dst: text(this.dst), mark: this.mark };
  }

  /** Runs a hook's base chains; false when the packet was dropped or rejected. */
  private runHook(hook: Hook): boolean {
    this.hook = hook;
    this.translated = false;
    const family = this.dst.family === 4 ? 'ip' : 'ip6';
    const chains = this.tables
      .filter((t) => t.family === family || t.family === 'inet')
      .flatMap((t) => [...t.chains.values()].filter((c) => c.spec.hook === hook).map((c) => ({ t, c })))
      .sort((a, b) => (a.c.spec.priority ?? 0) - (b.c.spec.priority ?? 0));
    for (const { t, c } of chains) {
      if (c.spec.type === 'nat' && this.translated) continue;
      let outcome = this.runChain(t, c, 0);
      if (outcome === 'return') outcome = c.spec.policy === 'drop' ? 'drop' : 'accept';
      if (outcome === 'drop' || outcome === 'reject') {
        this.actions.push(outcome.toUpperCase());
        return false;
      }
    }
    return true;
  }

  private runChain(t: FakeTable, c: FakeChain, depth: number): Outcome {
    if (depth > MAX_DEPTH) throw new TraceError(`jumps deeper than ${MAX_DEPTH} chains at ${t.family} ${t.name} ${c.spec.name}`);
    for (const rule of c.rules) {
      const where = `${t.family} ${t.name} ${c.spec.name}: ${rule.text}`;
      const verdict = this.runRule(t, this.parse(rule.text), where);
      if (!verdict) continue;
      this.rules.push(where);
      const outcome = this.follow(t, verdict, depth);
      if (outcome) return outcome;
    }
    return 'return';
  }

  /** What a verdict does to the chain that met it: undefined to go on with the next rule. */
  private follow(t: FakeTable, v: Verdict, depth: number): Outcome | undefined {
    switch (v.kind) {
      case 'continue': return undefined;
      case 'accept': case 'drop': case 'reject': case 'return': return v.kind;
      case 'jump': case 'goto': {
        const target = t.chains.get(v.chain);
        if (!target) throw new TraceError(`${t.family} ${t.name} has no chain ${v.chain}`);
        const outcome = this.runChain(t, target, depth + 1);
        if (outcome !== 'return') return outcome;
        return v.kind === 'goto' ? 'return' : undefined;
      }
    }
  }

  /** The verdict a rule reaches; undefined when a match fails (or it has none). */
  private runRule(t: FakeTable, statements: readonly Statement[], where: string): Verdict | undefined {
    let acted = false;
    for (const s of statements) {
      switch (s.kind) {
        case 'match':
          if (!this.matches(t, s.expr, s.negate, s.rhs, where)) return undefined;
          break;
        case 'vmap': {
          const key = s.expr.map((sel) => this.read(sel, where));
          if (typeof s.map !== 'string') {
            if (s.expr.length !== 1) throw new TraceError(`an anonymous verdict map keyed by a concatenation: ${where}`);
            return s.map.find((e) => this.fits(s.expr[0]!, key[0], e.key))?.verdict;
          }
          const hit = this.elements(t, s.map, where).find((e) => this.keyFits(s.expr, key, e.key));
          return hit ? parseVerdict((hit.value ?? []).join(' . ')) : undefined;
        }
        case 'nat': {
          const to = this.natTarget(t, s.to, where);
          if (!to) return undefined; // a map without the key: the rule does not apply
          this.translate(s.type, to, where);
          return { kind: 'accept' };
        }
        case 'masquerade':
          if (this.hook !== 'postrouting') throw new TraceError(`masquerade outside postrouting: ${where}`);
          this.actions.push('MASQUERADE');
          this.translated = true;
          this.status.add('snat');
          return { kind: 'accept' };
        case 'mark':
          this.mark = s.op === 'set' ? s.value : s.op === 'or' ? (this.mark | s.value) >>> 0 : s.op === 'xor' ? (this.mark ^ s.value) >>> 0 : (this.mark & s.value) >>> 0;
          acted = true;
          break;
        case 'verdict':
          return s.verdict;
      }
    }
    return acted ? { kind: 'continue' } : undefined;
  }

  private natTarget(t: FakeTable, to: string | { expr: readonly Selector[]; map: string }, where: string): Endpoint | undefined {
    if (typeof to === 'string') return endpoint(to, where, false);
    const key = to.expr.map((sel) => this.read(sel, where));
    const hit = this.elements(t, to.map, where).find((e) => this.keyFits(to.expr, key, e.key));
    if (!hit) return undefined;
    const [addr, port] = hit.value ?? [];
    return { ...endpoint(addr ?? '', where, false), ...(port !== undefined ? { port: Number(port) } : {}) };
  }

  private translate(type: 'dnat' | 'snat', to: Endpoint, where: string): void {
    if (NAT_KIND.get(this.hook) !== type) throw new TraceError(`${type} in the ${this.hook} hook: ${where}`);
    if (to.family !== this.dst.family) throw new TraceError(`${type} to an address of the other family: ${where}`);
    const moved = { family: to.family, addr: to.addr, port: to.port ?? (type === 'dnat' ? this.dst.port : this.src.port) };
    if (type === 'dnat') this.dst = moved;
    else this.src = moved;
    this.actions.push(`${type.toUpperCase()} ${text(to)}`);
    this.translated = true;
    this.status.add(type);
  }

  private matches(t: FakeTable, expr: readonly Selector[], negate: boolean, rhs: Lookup, where: string): boolean {
    const key = expr.map((sel) => this.read(sel, where));
    // A field the packet does not have (tcp dport of a UDP packet, ip saddr of IPv6) fails the
    // rule whatever the operator, as nft's implicit protocol dependency does.
    if (key.some((k) => k === undefined)) return false;
    if ('set' in rhs) return this.elements(t, rhs.set, where).some((e) => this.keyFits(expr, key, e.key)) !== negate;
    if (expr.length !== 1) throw new TraceError(`a concatenation compared with literals: ${where}`);
    return rhs.values.some((v) => this.fits(expr[0]!, key[0], v)) !== negate;
  }

  private elements(t: FakeTable, name: string, where: string) {
    const s = t.sets.get(name);
    if (!s) throw new TraceError(`${t.family} ${t.name} has no set or map ${name}: ${where}`);
    return [...s.elements.values()];
  }

  private keyFits(expr: readonly Selector[], key: readonly Value[], tokens: readonly string[]): boolean {
    return tokens.length === expr.length && expr.every((sel, i) => this.fits(sel, key[i], tokens[i]!));
  }

  /** Whether the packet's value of sel is the token (an address, prefix or range; a number or range; a name). */
  private fits(sel: Selector, value: Value, token: string): boolean {
    if (value === undefined) return false;
    switch (sel.kind) {
      case 'addr': return addrFits(value as string, this.dst.family, token);
      case 'l4proto': return value === protoName(token);
      case 'ifname': return token.endsWith('*') ? (value as string).startsWith(token.slice(0, -1)) : value === token;
      case 'fib': return value === token;
      case 'ct': return (value as Set<string>).has(token);
      case 'port': case 'mark': case 'numgen': return numberFits(value as number, token);
    }
  }

  private read(sel: Selector, where: string): Value {
    const p = this.packet;
    switch (sel.kind) {
      case 'addr': {
        if (sel.family !== this.dst.family) return undefined;
        return (sel.field === 'saddr' ? this.src : this.dst).addr;
      }
      case 'l4proto': return p.proto;
      case 'port': {
        if (sel.proto !== undefined && sel.proto !== p.proto) return undefined;
        const port = (sel.field === 'sport' ? this.src : this.dst).port;
        if (port === undefined) throw new TraceError(`the rule reads the source port; give src as address:port: ${where}`);
        return port;
      }
      case 'ifname': {
        // No input interface on a locally sent packet, none chosen yet before routing.
        if (sel.field === 'iif' ? p.from === 'local' : this.hook === 'prerouting') return undefined;
        const name = sel.field === 'iif' ? p.iif : p.oif;
        if (name === undefined) throw new TraceError(`the rule reads ${sel.field}name; give the packet ${sel.field}: ${where}`);
        return name;
      }
      case 'mark': return sel.mask === undefined ? this.mark : (this.mark & sel.mask) >>> 0;
      case 'fib': return this.isLocal((sel.field === 'saddr' ? this.src : this.dst).addr) ? 'local' : 'unicast';
      case 'ct': return sel.field === 'state' ? new Set(['new']) : this.status;
      case 'numgen': return this.choices.pick(sel.mod);
    }
  }

  private isLocal(addr: string): boolean {
    return this.local.has(addr) || (this.dst.family === 4 ? addr.startsWith('127.') : addr === '::1');
  }
}

type Value = string | number | Set<string> | undefined;
