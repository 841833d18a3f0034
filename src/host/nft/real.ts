import { trace } from '../../trace.js';
import { classify, hostError, runTool, type ToolOptions } from './exec.js';
import { parseElements, parseTable, parseTables } from './json.js';
import type { Transaction } from './transaction.js';
import type { Conntrack, Family, Flow, FlowFilter, ListedElement, Nft, TableContents } from './types.js';

const log = trace('nft');

/** nftables through the nft binary: one `nft -f -` per transaction, `nft -j` to list. */
export class RealNft implements Nft {
  constructor(private readonly opts: ToolOptions = {}) {}

  run(tx: Transaction, netns?: string): Promise<void> {
    return this.commit(tx, netns, []);
  }

  check(tx: Transaction, netns?: string): Promise<void> {
    return this.commit(tx, netns, ['-c']);
  }

  async listTables(netns?: string): Promise<{ family: Family; name: string }[]> {
    return parseTables(await this.nft(['-j', 'list', 'tables'], netns));
  }

  async listTable(family: Family, table: string, netns?: string): Promise<TableContents> {
    return parseTable(await this.nft(['-j', 'list', 'table', family, table], netns), family, table);
  }

  async listElements(family: Family, table: string, kind: 'set' | 'map', name: string, netns?: string): Promise<ListedElement[]> {
    return parseElements(await this.nft(['-j', 'list', kind, family, table, name], netns));
  }

  async probe(netns?: string): Promise<void> {
    await this.nft(['list', 'tables'], netns);
  }

  private async commit(tx: Transaction, netns: string | undefined, flags: string[]): Promise<void> {
    if (tx.err) throw tx.err;
    if (tx.size === 0) return;
    const script = tx.toString();
    log(() => `run${flags.length ? ' (check)' : ''} ${netns ?? 'self'}:\n${script.trimEnd()}`);
    const r = await runTool(['nft', ...flags, '-f', '-'], { ...this.opts, netns, stdin: script });
    if (r.code === 0) return;
    // "/dev/stdin:3:1-20: Error: ..." names the line, which is the op (one op per line).
    const line = /\/dev\/stdin:(\d+):/.exec(r.stderr);
    const opIndex = line ? Number(line[1]) - 1 : undefined;
    const code = classify(r.stderr);
    throw hostError(code, `nft -f: ${r.stderr.trim() || `exit status ${r.code}`}`, 'nft', opIndex !== undefined && opIndex < tx.size ? opIndex : undefined);
  }

  private async nft(args: string[], netns: string | undefined): Promise<string> {
    const r = await runTool(['nft', ...args], { ...this.opts, netns });
    if (r.code !== 0) throw hostError(classify(r.stderr), `nft ${args.join(' ')}: ${r.stderr.trim() || `exit status ${r.code}`}`, 'nft');
    return r.stdout;
  }
}

/** The conntrack table through conntrack-tools' `conntrack` CLI. */
export class RealConntrack implements Conntrack {
  constructor(private readonly opts: ToolOptions = {}) {}

  async delete(filter: FlowFilter, netns?: string): Promise<number> {
    const r = await runTool(['conntrack', '-D', ...args(filter)], { ...this.opts, netns });
    // "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted." Zero exits 1.
    const n = /(\d+) flow entries have been deleted/.exec(r.stderr);
    if (n) return Number(n[1]);
    throw hostError(r.stderr.includes('No such file') ? 'ENOENT' : 'EIO', `conntrack -D ${args(filter).join(' ')}: ${r.stderr.trim() || `exit status ${r.code}`}`, 'conntrack');
  }

  async list(filter: FlowFilter, netns?: string): Promise<Flow[]> {
    const r = await runTool(['conntrack', '-L', ...args(filter)], { ...this.opts, netns });
    if (r.code !== 0) throw hostError(r.stderr.includes('No such file') ? 'ENOENT' : 'EIO', `conntrack -L: ${r.stderr.trim()}`, 'conntrack');
    return r.stdout.split('\n').filter(Boolean).map((line) => parseFlow(line, filter.family));
  }
}

function args(f: FlowFilter): string[] {
  return ['-f', f.family === 6 ? 'ipv6' : 'ipv4', '-p', f.protocol, ...(f.dport !== undefined ? ['--dport', String(f.dport)] : [])];
}

/** "udp 17 29 src=10.0.0.1 dst=10.0.0.2 sport=4000 dport=53 [UNREPLIED] src=..." (first tuple = original). */
export function parseFlow(line: string, family: 4 | 6): Flow {
  const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(line)?.[1] ?? '';
  return { family, protocol: line.trim().split(/\s+/)[0] ?? '', src: field('src'), dst: field('dst'), sport: Number(field('sport')), dport: Number(field('dport')) };
}
