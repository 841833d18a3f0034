import type { Transaction } from '../../src/host/nft/transaction.js';
import type { Chain, Element, Family, ListedElement, NftObject, TableContents } from '../../src/host/nft/types.js';
import type { Mapping, PortmapConf } from './config.js';
export { networkTag, ownerTag, type Owner } from '../../src/host/nft/owner.js';

// What skiff-portmap keeps in nftables, as pure functions of the config and of what the
// table holds now. One table per IP family, `skiff-portmap`, whose chains and rules never
// change with pods; the mappings are elements of named maps and sets, each tagged with a
// comment naming its owner (network/containerID/ifname):
//
//   prerouting (nat, dstnat) ─┐
//   output (nat, -100) ───────┴─> hostports:  dnat to daddr . proto . dport  via @hostip_hostports
//                                             dnat to proto . dport          via @hostports (local daddr)
//   masquerading (nat, srcnat): DNATed connections from the pod to itself (@masq_hairpin),
//                               from 127.0.0.1 (@masq_localhost, IPv4), from anywhere (@masq_all)
//
// Adding a pod adds elements (replacing another owner's element with the same key: last
// writer wins, as with the reference's rules); removing it deletes the elements carrying
// its tag. Table, chains, maps and sets are declared with `add` (idempotent) in the same
// transaction, and the static chains are flushed and refilled so their rules are current.

export const TABLE = 'skiff-portmap';
export type IpFamily = 4 | 6;
export const HOSTPORTS = 'hostports';
export const HOSTIP_HOSTPORTS = 'hostip_hostports';
export const MASQ_HAIRPIN = 'masq_hairpin';
export const MASQ_LOCALHOST = 'masq_localhost';
export const MASQ_ALL = 'masq_all';
const MAPS = new Set([HOSTPORTS, HOSTIP_HOSTPORTS]);

export const nftFamily = (f: IpFamily): Family => (f === 4 ? 'ip' : 'ip6');

/** Appends one family's static table to tx: declarations, then the chains' rules afresh. */
export function writeSkeleton(tx: Transaction, family: IpFamily, conditions: string): void {
  const fam = nftFamily(family);
  const ip = fam;
  const addr = family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  const at = { family: fam, table: TABLE } as const;
  const cond = conditions ? `${conditions} ` : '';
  const chains: Chain[] = [
    { kind: 'chain', ...at, name: 'prerouting', type: 'nat', hook: 'prerouting', priority: 'dstnat' },
    // 'dstnat' is refused on the output hook; -100 is its value.
    { kind: 'chain', ...at, name: 'output', type: 'nat', hook: 'output', priority: -100 },
    { kind: 'chain', ...at, name: HOSTPORTS },
    { kind: 'chain', ...at, name: 'masquerading', type: 'nat', hook: 'postrouting', priority: 'srcnat' },
  ];
  const declarations: NftObject[] = [
    { kind: 'table', family: fam, name: TABLE, comment: 'skiff-portmap: host ports of pods' },
    { kind: 'map', ...at, name: HOSTPORTS, type: 'inet_proto . inet_service', value: `${addr} . inet_service` },
    { kind: 'map', ...at, name: HOSTIP_HOSTPORTS, type: `${addr} . inet_proto . inet_service`, value: `${addr} . inet_service` },
    { kind: 'set', ...at, name: MASQ_HAIRPIN, type: `${addr} . ${addr}` },
    ...(family === 4 ? [{ kind: 'set', ...at, name: MASQ_LOCALHOST, type: addr } as const] : []),
    { kind: 'set', ...at, name: MASQ_ALL, type: addr },
    ...chains,
  ];
  for (const o of declarations) tx.add(o);
  for (const c of chains) tx.flush(c);
  const rule = (chain: string, text: string) => tx.add({ kind: 'rule', ...at, chain, rule: text });
  rule('prerouting', `${cond}jump ${HOSTPORTS}`);
  rule('output', `${cond}jump ${HOSTPORTS}`);
  rule(HOSTPORTS, `dnat ${ip} addr . port to ${ip} daddr . meta l4proto . th dport map @${HOSTIP_HOSTPORTS}`);
  // Only traffic for this node: a pod's connection to port 80 elsewhere is not a host port.
  rule(HOSTPORTS, `fib daddr type local dnat ${ip} addr . port to meta l4proto . th dport map @${HOSTPORTS}`);
  // Masquerade only connections a DNAT rewrote; plain pod traffic keeps its source.
  rule('masquerading', `ct status dnat ${ip} saddr . ${ip} daddr @${MASQ_HAIRPIN} masquerade`);
  if (family === 4) rule('masquerading', `ct status dnat ${ip} saddr 127.0.0.1 ${ip} daddr @${MASQ_LOCALHOST} masquerade`);
  rule('masquerading', `ct status dnat ${ip} daddr @${MASQ_ALL} masquerade`);
}

/** A desired or listed element, with the map or set it is in. */
export interface Entry {
  in: string;
  key: string[];
  value?: string[];
  comment?: string;
}

export const entryId = (e: Pick<Entry, 'in' | 'key'>) => `${e.in} ${e.key.join(' . ')}`;

/** The mappings that apply to a family: wildcards, and hostIPs of that family. */
export function mappingsFor(family: IpFamily, mappings: readonly Mapping[]): Mapping[] {
  return mappings.filter((m) => !m.hostIP || m.hostIP.includes(':') === (family === 6));
}

const unspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';

/** The elements one attachment needs in one family's table. */
export function desiredEntries(family: IpFamily, podIp: string, conf: PortmapConf, tag: string): Entry[] {
  const out: Entry[] = [];
  for (const m of mappingsFor(family, conf.mappings)) {
    const value = [podIp, String(m.containerPort)];
    if (m.hostIP && !unspecified(m.hostIP)) out.push({ in: HOSTIP_HOSTPORTS, key: [m.hostIP, m.protocol, String(m.hostPort)], value, comment: tag });
    else out.push({ in: HOSTPORTS, key: [m.protocol, String(m.hostPort)], value, comment: tag });
  }
  if (conf.snat && out.length) {
    if (conf.masqAll) out.push({ in: MASQ_ALL, key: [podIp], comment: tag });
    else {
      out.push({ in: MASQ_HAIRPIN, key: [podIp, podIp], comment: tag });
      if (family === 4) out.push({ in: MASQ_LOCALHOST, key: [podIp], comment: tag });
    }
  }
  // Two wildcard mappings of one protocol and port cannot both hold the key; parseConf
  // refuses them, and a v4-only hostIP next to a wildcard of the same port is a different key.
  return out;
}

/** Every element of the table's maps and sets, as entries. */
export function listedEntries(table: TableContents | undefined): Entry[] {
  return (table?.sets ?? []).flatMap((s) => s.elements.map((e: ListedElement) => ({
    in: s.name, key: e.key, ...(e.value ? { value: e.value } : {}), ...(e.comment !== undefined ? { comment: e.comment } : {}),
  })));
}

function element(family: IpFamily, e: Entry, withValue = true): Element {
  const at = { kind: 'element', family: nftFamily(family), table: TABLE } as const;
  const target = MAPS.has(e.in) ? { map: e.in } : { set: e.in };
  return { ...at, ...target, key: e.key, ...(withValue && e.value ? { value: e.value } : {}), ...(e.comment !== undefined ? { comment: e.comment } : {}) };
}

export interface Plan {
  /** Elements replaced although another owner held them (for a log line). */
  taken: Entry[];
}

/**
 * Appends to tx what makes the table hold `desired` for `tag`: the skeleton, the elements
 * missing or different (an element of another owner, or with another value, is deleted and
 * re-added in the same transaction), and the removal of `tag`'s elements no longer desired.
 */
export function writeAdd(tx: Transaction, family: IpFamily, conditions: string, desired: readonly Entry[], current: TableContents | undefined, tag: string): Plan {
  writeSkeleton(tx, family, conditions);
  const listed = new Map(listedEntries(current).map((e) => [entryId(e), e]));
  const wanted = new Set(desired.map(entryId));
  const taken: Entry[] = [];
  for (const e of listed.values()) {
    if (e.comment === tag && !wanted.has(entryId(e))) writeGuardedDelete(tx, family, e);
  }
  for (const e of desired) {
    const old = listed.get(entryId(e));
    if (old && old.comment === e.comment && sameValue(old, e)) continue;
    if (old) {
      tx.delete(element(family, old, false));
      if (old.comment !== tag) taken.push(old);
    }
    tx.add(element(family, e));
  }
  return { taken };
}

const sameValue = (a: Entry, b: Entry) => (a.value ?? []).join(' . ') === (b.value ?? []).join(' . ');

/**
 * Deletes a listed element, but only if it still is as listed: for a map, the element is
 * first re-added with the value it was listed with, which fails with EEXIST (and so aborts
 * the transaction) when another owner replaced it since. nft cannot compare comments, so a
 * set element replaced by an owner with the same pod address is not protected.
 */
export function writeGuardedDelete(tx: Transaction, family: IpFamily, e: Entry): void {
  if (MAPS.has(e.in)) tx.add(element(family, e));
  tx.delete(element(family, e, false));
}

/** UDP host ports of a family's mappings. */
export function udpHostPorts(family: IpFamily, mappings: readonly Mapping[]): number[] {
  return [...new Set(mappingsFor(family, mappings).filter((m) => m.protocol === 'udp').map((m) => m.hostPort))].sort((a, b) => a - b);
}

/** UDP host ports among entries (their conntrack entries are flushed). */
export function udpPorts(entries: readonly Entry[]): number[] {
  const ports = entries.flatMap((e) => {
    if (e.in === HOSTPORTS && e.key[0] === 'udp') return [Number(e.key[1])];
    if (e.in === HOSTIP_HOSTPORTS && e.key[1] === 'udp') return [Number(e.key[2])];
    return [];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}
