import { isNotFound } from '../../src/host/errors.js';
import type { Netlink, Route } from '../../src/host/netlink/types.js';
import { ipBytes } from '../../src/host/netlink/validate.js';
import { Transaction } from '../../src/host/nft/transaction.js';
import type { Conntrack, Nft, TableContents } from '../../src/host/nft/types.js';
import type { Sysctl } from '../../src/host/sysctl/types.js';
import type { Plugin, PluginContext } from '../../src/cni/skel.js';
import { CniError, ErrorCode, type Attachment, type Result } from '../../src/cni/types.js';
import { containerIps, parseConf, prevResult, type PortmapConf } from './config.js';
import {
  desiredEntries, entryId, listedEntries, networkTag, nftFamily, ownerTag, TABLE, udpHostPorts, udpPorts, writeAdd, writeGuardedDelete, type Entry, type IpFamily,
} from './rules.js';

export interface PortmapDeps {
  nft: Nft;
  conntrack: Conntrack;
  /** For route_localnet: the route to the pod names the host interface. */
  netlink: Netlink;
  sysctl: Sysctl;
  /** The namespace that plays the node (its pin path); undefined: this process's own. */
  hostNetns?: string;
}

/** Transactions that lost a race with another ADD/DEL (EEXIST/ENOENT) are re-planned. */
const ATTEMPTS = 4;
const FAMILIES: readonly IpFamily[] = [4, 6];

/**
 * skiff-portmap: host ports to pod ports with nftables (CNI 1.1, chained after the plugin
 * that gave the pod its addresses). See rules.ts for the table; the reference is
 * containernetworking/plugins' portmap with its nftables backend.
 */
export function portmapPlugin(deps: PortmapDeps): Plugin {
  const ns = deps.hostNetns;

  /** Lists both families' tables (undefined where there is none). */
  async function tables(): Promise<Map<IpFamily, TableContents | undefined>> {
    const got = await Promise.all(FAMILIES.map((f) => deps.nft.listTable(nftFamily(f), TABLE, ns).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw nftError('cannot list the port mapping table', err);
    })));
    return new Map(FAMILIES.map((f, i) => [f, got[i]]));
  }

  /** Plans with plan(tables) and commits; re-plans when another invocation changed the table meanwhile. */
  async function commit(plan: (t: Map<IpFamily, TableContents | undefined>) => Transaction, what: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const tx = plan(await tables());
      try {
        await deps.nft.run(tx, ns);
        return;
      } catch (err) {
        const raced = (err as { code?: string }).code === 'EEXIST' || (err as { code?: string }).code === 'ENOENT';
        if (!raced || attempt >= ATTEMPTS || (err as { syscall?: string }).syscall === 'validate') throw nftError(what, err);
      }
    }
  }

  /** Deletes every element whose tag `doomed` picks; resolves with the deleted entries. */
  async function remove(doomed: (tag: string) => boolean, what: string): Promise<Map<IpFamily, Entry[]>> {
    let removed = new Map<IpFamily, Entry[]>();
    await commit((t) => {
      const tx = new Transaction();
      removed = new Map();
      for (const f of FAMILIES) {
        const gone = listedEntries(t.get(f)).filter((e) => e.comment !== undefined && doomed(e.comment));
        for (const e of gone) writeGuardedDelete(tx, f, e);
        removed.set(f, gone);
      }
      return tx;
    }, what);
    return removed;
  }

  /** Flushes UDP conntrack entries of host ports, so old flows do not bypass the new mapping. */
  async function flushUdp(ctx: PluginContext, family: IpFamily, ports: readonly number[]): Promise<void> {
    await Promise.all(ports.map((dport) => deps.conntrack.delete({ family, protocol: 'udp', dport }, ns).catch((err) => {
      // As the reference: informative only, the mapping itself is in place.
      ctx.log(`skiff-portmap: failed to delete stale UDP conntrack entries for IPv${family} port ${dport}: ${(err as Error).message}`);
    })));
  }

  /** As the reference: 127.0.0.1 may cross the routing boundary towards the pod. */
  async function routeLocalnet(podIp: string): Promise<void> {
    const dev = routeDev(await deps.netlink.routes(ns, { family: 4 }), podIp);
    if (dev) await deps.sysctl.set(`net/ipv4/conf/${dev}/route_localnet`, '1', ns);
  }

  return {
    name: 'skiff-portmap',

    async add(ctx: PluginContext): Promise<Result> {
      const conf = parseConf(ctx.conf);
      const prev = prevResult(ctx.conf);
      if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'must be called as a chained plugin', 'prevResult is missing');
      if (conf.mappings.length === 0) return prev;
      const ips = podIps(prev, ctx);
      const tag = tagOf(ctx);
      if (conf.snat && ips.get(4)) {
        await routeLocalnet(ips.get(4)!).catch((err) => {
          throw new CniError(ErrorCode.IoFailure, 'unable to enable route_localnet', (err as Error).message);
        });
      }
      await commit((t) => {
        const tx = new Transaction();
        for (const [f, ip] of ips) {
          const { taken } = writeAdd(tx, f, conditions(conf, f), desiredEntries(f, ip, conf, tag), t.get(f), tag);
          for (const e of taken) ctx.log(`skiff-portmap: ${e.in} { ${e.key.join(' . ')} } of ${e.comment ?? 'no owner'} now belongs to ${tag}`);
        }
        return tx;
      }, 'unable to set up nftables port mappings');
      await Promise.all([...ips.keys()].map((f) => flushUdp(ctx, f, udpHostPorts(f, conf.mappings))));
      return prev;
    },

    async del(ctx: PluginContext): Promise<void> {
      // Unlike the reference, DEL does not need the mappings: the elements carry their owner.
      // They are still read, so malformed ones fail the same way as on ADD.
      const conf = parseConf(ctx.conf);
      const tag = tagOf(ctx);
      const removed = await remove((c) => c === tag, 'unable to delete nftables port mappings');
      // UDP flows to the removed ports, and (the reference flushes on ADD only) to the ports
      // passed again for the families the pod had.
      const prev = (() => {
        try {
          return prevResult(ctx.conf);
        } catch {
          return undefined;
        }
      })();
      const had = prev ? containerIps(prev, ctx.args.ifname) : {};
      await Promise.all(FAMILIES.map((f) => {
        const passed = (f === 4 ? had.v4 : had.v6) ? udpHostPorts(f, conf.mappings) : [];
        return flushUdp(ctx, f, [...new Set([...udpPorts(removed.get(f) ?? []), ...passed])]);
      }));
    },

    async check(ctx: PluginContext): Promise<void> {
      const conf = parseConf(ctx.conf);
      const prev = prevResult(ctx.conf);
      if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'required prevResult missing');
      if (conf.mappings.length === 0) return;
      const ips = podIps(prev, ctx);
      const tag = tagOf(ctx);
      const t = await tables();
      for (const [f, ip] of ips) {
        const table = t.get(f);
        if (!table) throw new CniError(ErrorCode.IoFailure, `table ${nftFamily(f)} ${TABLE} is missing`);
        const chains = new Set(table.chains.map((c) => c.name));
        const lost = ['prerouting', 'output', 'hostports', 'masquerading'].filter((c) => !chains.has(c));
        if (lost.length) throw new CniError(ErrorCode.IoFailure, `table ${nftFamily(f)} ${TABLE} lacks chain ${lost.join(', ')}`);
        const have = new Map(listedEntries(table).map((e) => [entryId(e), e]));
        for (const want of desiredEntries(f, ip, conf, tag)) {
          const got = have.get(entryId(want));
          const wrong = !got ? 'is missing' : got.comment !== tag ? `belongs to ${got.comment ?? 'no owner'}` : (got.value ?? []).join(' . ') !== (want.value ?? []).join(' . ') ? `maps to ${got.value?.join(' . ')}` : '';
          if (wrong) throw new CniError(ErrorCode.IoFailure, `port mapping element ${nftFamily(f)} ${want.in} { ${want.key.join(' . ')} } ${wrong}`);
        }
      }
    },

    async gc(ctx: PluginContext, valid: readonly Attachment[]): Promise<void> {
      const net = networkTag(ctx.conf.name);
      const keep = new Set(valid.map((a) => ownerTag({ network: ctx.conf.name, containerId: a.containerID, ifname: a.ifname })));
      const removed = await remove((c) => c.startsWith(`${net}/`) && !keep.has(c), 'unable to garbage-collect nftables port mappings');
      await Promise.all(FAMILIES.map((f) => flushUdp(ctx, f, udpPorts(removed.get(f) ?? []))));
    },

    async status(): Promise<void> {
      await deps.nft.probe(ns).catch((err) => {
        throw new CniError(ErrorCode.NotAvailable, 'nftables is not usable', (err as Error).message);
      });
    },
  };
}

function tagOf(ctx: PluginContext): string {
  return ownerTag({ network: ctx.conf.name, containerId: ctx.args.containerId, ifname: ctx.args.ifname });
}

function conditions(conf: PortmapConf, f: IpFamily): string {
  return f === 4 ? conf.conditionsV4 : conf.conditionsV6;
}

/** The pod's address per family; error 7 when the previous result has none for ifname. */
function podIps(prev: Result, ctx: PluginContext): Map<IpFamily, string> {
  const { v4, v6 } = containerIps(prev, ctx.args.ifname);
  const ips = new Map<IpFamily, string>();
  if (v4) ips.set(4, v4);
  if (v6) ips.set(6, v6);
  if (ips.size === 0) throw new CniError(ErrorCode.InvalidConfig, 'prevResult has no IP address for the container', `no ips for interface "${ctx.args.ifname}" in prevResult`);
  return ips;
}

function nftError(what: string, err: unknown): CniError {
  if (err instanceof CniError) return err;
  return new CniError(ErrorCode.IoFailure, what, (err as Error)?.message ?? String(err));
}

/** The device of the most specific IPv4 route to ip (the reference's getRoutableHostIF). */
export function routeDev(routes: readonly Route[], ip: string): string | undefined {
  const target = ipBytes(ip, 4);
  let best: Route | undefined;
  let bestLen = -1;
  for (const r of routes) {
    if (r.family !== 4 || !r.dev) continue;
    const [net, len] = r.dst === 'default' ? ['0.0.0.0', 0] : [r.dst.split('/')[0]!, Number(r.dst.split('/')[1])];
    const bytes = ipBytes(net, 4);
    let match = true;
    for (let bit = 0; bit < len && match; bit++) {
      const mask = 0x80 >> (bit & 7);
      match = (target[bit >> 3]! & mask) === (bytes[bit >> 3]! & mask);
    }
    if (match && len > bestLen) [best, bestLen] = [r, len];
  }
  return best?.dev;
}
