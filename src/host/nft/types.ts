/**
 * The nftables seam. Changes are built as a Transaction (./transaction.ts: verbs append,
 * the first invalid op poisons it) and committed all or nothing by one `nft -f -` run;
 * state is read back with `nft -j list ...`. Real: the nft binary, entered into a network
 * namespace with nsenter when one is given. Fake: an in-memory model of the tables
 * (./fake.ts) that refuses what the kernel refuses.
 *
 * Namespaces are named by the path of their pin (see ../netns); omitted means the
 * namespace of the calling process.
 */
import type { Transaction } from './transaction.js';

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

export type ChainType = 'filter' | 'nat' | 'route';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** Every object names its table, so one transaction may change several tables. */
interface InTable {
  family: Family;
  table: string;
}

export interface Table {
  kind: 'table';
  family: Family;
  name: string;
  comment?: string;
}

export interface Chain extends InTable {
  kind: 'chain';
  name: string;
  /** A base chain has type, hook and priority; a regular chain (a jump target) has none. */
  type?: ChainType;
  hook?: Hook;
  /** A number, or a standard name ('dstnat', 'srcnat', 'filter', ...). Not every name is
   *  allowed on every hook: 'dstnat' on output is refused, use -100. */
  priority?: number | string;
  policy?: 'accept' | 'drop';
  comment?: string;
}

export interface Rule extends InTable {
  kind: 'rule';
  chain: string;
  /** nft rule syntax, one line: 'ip daddr @pods jump pod_in'. */
  rule?: string;
  comment?: string;
  /** Required for replace and delete; for add/insert, places the rule after/before it. */
  handle?: number;
}

export interface NftSet extends InTable {
  kind: 'set';
  name: string;
  /** Key type, concatenations with ' . ': 'ipv4_addr . inet_service'. Needed to add or create. */
  type?: string;
  flags?: readonly ('interval' | 'constant' | 'timeout' | 'dynamic')[];
  comment?: string;
}

export interface NftMap extends InTable {
  kind: 'map';
  name: string;
  /** Key type: 'inet_proto . inet_service'. Needed to add or create. */
  type?: string;
  /** Value type: 'ipv4_addr . inet_service', 'verdict'. Needed to add or create. */
  value?: string;
  flags?: readonly ('interval' | 'constant' | 'timeout' | 'dynamic')[];
  comment?: string;
}

export interface Element extends InTable {
  kind: 'element';
  /** The set or map (exactly one of them). */
  set?: string;
  map?: string;
  /** One token per component of the key type, in nft's canonical form (protocol names,
   *  decimal ports, compressed IPv6) so that it compares equal to what is listed back. */
  key: readonly string[];
  /** Map elements only: one token per component of the value type. */
  value?: readonly string[];
  comment?: string;
}

export type NftObject = Table | Chain | Rule | NftSet | NftMap | Element;
export type Verb = 'add' | 'create' | 'insert' | 'replace' | 'delete' | 'flush';

/** What listing reads back. Rules come without their text (nft rewrites it): only where
 *  they are, their handle and their comment. */
export interface ListedChain {
  name: string;
  type?: ChainType;
  hook?: Hook;
  priority?: number;
  policy?: string;
  comment?: string;
}

export interface ListedRule {
  chain: string;
  handle: number;
  comment?: string;
}

export interface ListedElement {
  key: string[];
  value?: string[];
  comment?: string;
}

export interface ListedSet {
  name: string;
  kind: 'set' | 'map';
  /** Components joined with ' . '. */
  type: string;
  value?: string;
  flags: string[];
  comment?: string;
  elements: ListedElement[];
}

export interface TableContents {
  family: Family;
  name: string;
  chains: ListedChain[];
  /** Sets and maps, with their elements. */
  sets: ListedSet[];
  rules: ListedRule[];
}

export interface Nft {
  /**
   * Commits the transaction atomically: every op or none. Rejects with HostError, syscall
   * 'validate' and code EINVAL, when the transaction was poisoned by an invalid op (nothing
   * is run); otherwise syscall 'nft', with the code nft's error names: ENOENT (no such table,
   * chain, set, element or rule handle; or no such namespace), EEXIST (create of an existing
   * object; add of an element whose key exists with another value; add of a set/map/chain
   * that exists with another type), EBUSY (delete of a chain, set or map still referenced),
   * EOPNOTSUPP (base chain re-added with another hook or priority), EINVAL (nft refused the
   * syntax or a value). The message holds nft's stderr; opIndex is the failing op when
   * nft names its line. An empty transaction succeeds without running anything.
   */
  run(tx: Transaction, netns?: string): Promise<void>;
  /** As run, but only checks (`nft -c`): nothing changes. */
  check(tx: Transaction, netns?: string): Promise<void>;
  /** Tables of every family. ENOENT when the namespace does not exist. */
  listTables(netns?: string): Promise<{ family: Family; name: string }[]>;
  /** One table with its chains, sets, maps, elements and rules. ENOENT when it does not exist. */
  listTable(family: Family, table: string, netns?: string): Promise<TableContents>;
  /** Elements of one set or map. ENOENT when the table, or a `kind` of that name, does not exist. */
  listElements(family: Family, table: string, kind: 'set' | 'map', name: string, netns?: string): Promise<ListedElement[]>;
  /** Resolves when nft can run and talk to the kernel; rejects with HostError otherwise
   *  (ENOENT: no nft binary; EPERM: not allowed). */
  probe(netns?: string): Promise<void>;
}

export type L4Proto = 'tcp' | 'udp' | 'sctp';

/** One connection tracking entry, its original direction. */
export interface Flow {
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export interface FlowFilter {
  family: 4 | 6;
  protocol: L4Proto;
  /** Destination port of the original direction. */
  dport?: number;
}

/** The connection tracking table (conntrack-tools' `conntrack`). */
export interface Conntrack {
  /** Deletes the matching entries; resolves with how many went (0 is success). Rejects with
   *  HostError ENOENT when the namespace (or the conntrack binary) is missing, EIO otherwise. */
  delete(filter: FlowFilter, netns?: string): Promise<number>;
  /** Lists the matching entries. */
  list(filter: FlowFilter, netns?: string): Promise<Flow[]>;
}
