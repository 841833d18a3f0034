import type { NativeAddr, NativeBridgeVlan, NativeError, NativeLink, NativeOp, NativeResult, NativeRoute } from '../../../native/binding.js';
import { toHostError, type HostError } from '../errors.js';
import { native } from '../native.js';
import { trace } from '../../trace.js';
import { MAIN_TABLE, describe, encode, scopeName } from './encode.js';
import { checkUndoable, snapshotNeeds, undoPlan, type Snapshot } from './undo.js';
import type { Addr, BridgeVlan, Link, NetOp, Netlink, Route, RouteQuery } from './types.js';
import { sysctlPath } from './validate.js';

const IFF_UP = 0x1;
const IFF_PROMISC = 0x100;
const log = trace('netlink');

/** Netlink through the addon: one thread, one setns and one socket per batch. */
export class RealNetlink implements Netlink {
  async apply(ops: readonly NetOp[], netns?: string): Promise<void> {
    const encoded = ops.map(encode);
    checkUndoable(ops);
    const needs = snapshotNeeds(ops);
    const prefix = snapshotOps(needs);
    log(() => `apply ${netns ?? 'self'}: ${ops.map(describe).join('; ')}`);
    try {
      await native().nsApply(netns ?? null, [...prefix, ...encoded]);
    } catch (raw) {
      const err = toHostError(raw);
      if (err.opIndex === undefined) throw err; // nothing ran: the namespace is missing
      if (err.opIndex < prefix.length) throw snapshotFailure(err, ops, prefix);
      err.opIndex -= prefix.length;
      throw await this.takeBack(ops, err, netns, (raw as NativeError).results ?? []);
    }
  }

  /** Takes back the ops before the failed one, using the snapshot the batch's prefix read. */
  private async takeBack(ops: readonly NetOp[], err: HostError, netns: string | undefined, prefix: NativeResult[]): Promise<HostError> {
    const failed = err.opIndex!;
    const needs = snapshotNeeds(ops);
    const rawLinks = needs.links ? (prefix[0] as NativeLink[]) : [];
    const lists = (needs.links ? 1 : 0) + (needs.vlans ? 1 : 0);
    const snapshot: Snapshot = {
      links: toLinks(rawLinks),
      sysctls: new Map(needs.sysctls.map((key, i) => [key, prefix[i + lists] as string])),
      ...(needs.vlans ? { vlans: toVlans(prefix[1] as NativeBridgeVlan[], rawLinks) } : {}),
    };
    const problems: string[] = [];
    for (const step of undoPlan(ops.slice(0, failed), snapshot, netns)) {
      try {
        await native().nsApply(step.netns ?? netns ?? null, [encode(step.op)]);
      } catch (undoErr) {
        problems.push(`${describe(step.op)}: ${toHostError(undoErr).message}`);
      }
    }
    if (problems.length) err.message += ` (taking back the batch also failed: ${problems.join('; ')})`;
    return err;
  }

  async links(netns?: string): Promise<Link[]> {
    const [raw] = await run(netns, [{ op: 'linkList' }]);
    return toLinks(raw as NativeLink[]);
  }

  async addrs(netns?: string, family?: 4 | 6): Promise<Addr[]> {
    const [rawLinks, rawAddrs] = await run(netns, [{ op: 'linkList' }, { op: 'addrList', family: family ?? 0 }]);
    const names = new Map((rawLinks as NativeLink[]).map((l) => [l.index, l.name]));
    return (rawAddrs as NativeAddr[]).map((a) => ({
      dev: names.get(a.index) ?? '', family: a.family, cidr: `${a.address}/${a.prefixLen}`, scope: scopeName(a.scope),
    }));
  }

  async bridgeVlans(netns?: string): Promise<BridgeVlan[]> {
    const [rawLinks, rawVlans] = await run(netns, [{ op: 'linkList' }, { op: 'bridgeVlanList' }]);
    return toVlans(rawVlans as NativeBridgeVlan[], rawLinks as NativeLink[]);
  }

  async routes(netns?: string, query: RouteQuery = {}): Promise<Route[]> {
    const table = query.table ?? MAIN_TABLE;
    const [rawLinks, rawRoutes] = await run(netns, [{ op: 'linkList' }, { op: 'routeList', family: query.family ?? 0, table }]);
    const names = new Map((rawLinks as NativeLink[]).map((l) => [l.index, l.name]));
    return (rawRoutes as NativeRoute[]).filter((r) => r.type === 1).map((r) => ({
      family: r.family,
      dst: r.dstLen === 0 ? (r.family === 4 ? 'default' : 'default6') : `${r.dst}/${r.dstLen}`,
      via: r.gateway, dev: names.get(r.oif) ?? '', scope: scopeName(r.scope), table: r.table, metric: r.metric, src: r.src,
    }));
  }
}

async function run(netns: string | undefined, ops: NativeOp[]): Promise<NativeResult[]> {
  try {
    return await native().nsApply(netns ?? null, ops);
  } catch (err) {
    throw toHostError(err);
  }
}

/** The lists a batch reads first, in this order, to be able to take itself back. */
function snapshotOps(needs: ReturnType<typeof snapshotNeeds>): NativeOp[] {
  return [
    ...(needs.links ? [{ op: 'linkList' } as const] : []),
    ...(needs.vlans ? [{ op: 'bridgeVlanList' } as const] : []),
    ...needs.sysctls.map((key) => ({ op: 'sysctlGet', path: sysctlPath(key) }) as const),
  ];
}

export function toLinks(raw: readonly NativeLink[]): Link[] {
  const names = new Map(raw.map((l) => [l.index, l.name]));
  return raw.map((l) => ({
    index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, mac: l.mac, master: l.master ? (names.get(l.master) ?? '') : '',
    up: (l.flags & IFF_UP) !== 0, promisc: (l.flags & IFF_PROMISC) !== 0, operstate: l.operstate, parent: l.parent, hairpin: l.hairpin ?? false,
    ...(l.vlanFiltering !== undefined ? { vlanFiltering: l.vlanFiltering } : {}),
  }));
}

function toVlans(raw: readonly NativeBridgeVlan[], links: readonly NativeLink[]): BridgeVlan[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  return [...raw].sort((a, b) => a.index - b.index || a.vid - b.vid)
    .map((v) => ({ dev: names.get(v.index) ?? '', vid: v.vid, pvid: v.pvid, untagged: v.untagged }));
}

/** A sysctl read for the snapshot failed: blame the op that sets that key. */
function snapshotFailure(err: HostError, ops: readonly NetOp[], prefix: readonly NativeOp[]): HostError {
  const failed = prefix[err.opIndex!];
  err.opIndex = ops.findIndex((o) => o.op === 'sysctl.set' && failed?.op === 'sysctlGet' && sysctlPath(o.key) === failed.path);
  return err;
}
