import { join } from 'node:path';
import type { Plugin, PluginContext } from '../../src/cni/skel.js';
import { CniError, ErrorCode, type Attachment, type IpConfig, type Result } from '../../src/cni/types.js';
import { assignRequested, candidates, rangeFor, rangeSetText, type RangeSet } from './allocator.js';
import { parseConfig, storeLocation, type HostLocalConfig } from './config.js';
import { parseResolvConf } from './dns.js';
import { addrKey, formatAddr, type Addr } from './ip.js';
import type { Holder, IpamStore, Reservation } from './store.js';

export interface HostLocalDeps {
  /** The reservation store of one network directory, <dataDir>/<name>. */
  openStore: (dir: string) => IpamStore;
  /** Reads ipam.resolvConf. */
  readFile: (path: string) => Promise<string>;
}

/**
 * The reference returns Go's generic code for allocation failures; skiff keeps code and
 * text, so whatever a runtime or operator matched on for the reference still matches.
 */
const ALLOCATION_FAILED = 999;
const allocError = (msg: string) => new CniError(ALLOCATION_FAILED, msg);

/** skiff-host-local: IPAM from ranges, with reservations as files in the reference's layout. */
export function hostLocalPlugin(deps: HostLocalDeps): Plugin {
  const storeOf = (c: { dataDir: string; name: string }) => deps.openStore(join(c.dataDir, c.name));

  return {
    name: 'skiff-host-local',

    async add(ctx: PluginContext): Promise<Result> {
      const cfg = parseConfig(ctx.conf, ctx.args.args);
      const dns = cfg.resolvConf === undefined ? undefined : parseResolvConf(await readResolvConf(deps, cfg.resolvConf));
      const ips = await storeErrors(cfg, () => allocate(storeOf(cfg), cfg, holderOf(ctx)));
      return {
        cniVersion: ctx.version,
        ips,
        ...(cfg.routes.length ? { routes: cfg.routes } : {}),
        ...(dns ? { dns } : {}),
      };
    },

    // Only the store location is read: a config edited since ADD must not wedge teardown.
    async del(ctx: PluginContext): Promise<void> {
      const where = storeLocation(ctx.conf);
      await storeErrors(where, async () => {
        const store = storeOf(where);
        const held = heldBy(await store.list(), holderOf(ctx));
        await Promise.all(held.map((r) => store.release(r.ip, r)));
      });
    },

    async check(ctx: PluginContext): Promise<void> {
      const cfg = parseConfig(ctx.conf, ctx.args.args);
      const held = await storeErrors(cfg, async () => heldBy(await storeOf(cfg).list(), holderOf(ctx)));
      if (held.length === 0) {
        throw new CniError(ErrorCode.UnknownContainer, `host-local: Failed to find address added by container ${ctx.args.containerId}`, `interface ${ctx.args.ifname}`);
      }
    },

    async status(ctx: PluginContext): Promise<void> {
      const cfg = parseConfig(ctx.conf);
      const store = storeOf(cfg);
      await store.probe().catch((err: Error) => {
        throw new CniError(ErrorCode.NotAvailable, `host-local cannot write reservations under ${join(cfg.dataDir, cfg.name)}`, err.message);
      });
    },

    async gc(ctx: PluginContext, valid: readonly Attachment[]): Promise<void> {
      const where = storeLocation(ctx.conf);
      await storeErrors(where, async () => {
        const store = storeOf(where);
        const stale = (await store.list()).filter((r) => !r.inFlight && !valid.some((a) => holds(r, { containerId: a.containerID, ifname: a.ifname })));
        await Promise.all(stale.map((r) => store.release(r.ip, r)));
      });
    },
  };
}

const holderOf = (ctx: PluginContext): Required<Holder> => ({ containerId: ctx.args.containerId, ifname: ctx.args.ifname });

/** Whether a reservation belongs to an attachment; a legacy one (no ifname) to every interface of its container. */
const holds = (r: Reservation, h: Required<Holder>): boolean =>
  r.containerId === h.containerId && (r.ifname === undefined || r.ifname === h.ifname);

/** The attachment's reservations; legacy ones only when there is no exact match, as the reference. */
function heldBy(all: readonly Reservation[], h: Required<Holder>): Reservation[] {
  const exact = all.filter((r) => r.containerId === h.containerId && r.ifname === h.ifname);
  return exact.length ? exact : all.filter((r) => r.containerId === h.containerId && r.ifname === undefined);
}

/**
 * One address per range set: a requested one when it falls in the set, else the next free
 * one in round-robin order. All or nothing: on failure, what this call reserved is released.
 */
async function allocate(store: IpamStore, cfg: HostLocalConfig, holder: Required<Holder>): Promise<IpConfig[]> {
  const { bySet, leftover } = assignRequested(cfg.rangeSets, cfg.requested);
  // Where each round-robin walk starts is read while the listing is, not after it; a failed
  // read matters only to the walk that uses it.
  const lasts = bySet.map((asked, idx) => (asked ? undefined : store.lastReserved(idx)));
  for (const last of lasts) last?.catch(() => {});
  const listed = await store.list();
  const taken = new Set(listed.map((r) => addrKey(r.ip)));
  const mine: Addr[] = [];
  try {
    const ips: IpConfig[] = [];
    for (const [idx, set] of cfg.rangeSets.entries()) {
      const failed = (why: string) => allocError(`failed to allocate for range ${idx}: ${why}`);
      const asked = bySet[idx];
      let ip: Addr;
      if (asked) {
        ip = asked;
        if (ip.value === rangeFor(set, ip)!.gateway) throw failed(`requested ip ${formatAddr(ip)} is subnet's gateway`);
        if (!(await store.reserve(ip, holder, idx))) throw failed(`requested IP address ${formatAddr(ip)} is not available in range set ${rangeSetText(set)}`);
      } else {
        // The spec forbids a second ADD of one attachment without a DEL in between.
        const dup = listed.find((r) => holds(r, holder) && rangeFor(set, r.ip));
        if (dup) throw failed(`${formatAddr(dup.ip)} has been allocated to ${holder.containerId}, duplicate allocation is not allowed`);
        const next = await reserveNext(store, set, idx, await lasts[idx], taken, holder);
        if (!next) throw failed(`no IP addresses available in range set: ${rangeSetText(set)}`);
        ip = next;
      }
      mine.push(ip);
      const range = rangeFor(set, ip)!;
      ips.push({ address: `${formatAddr(ip)}/${range.prefix}`, gateway: formatAddr({ family: range.family, value: range.gateway }) });
    }
    if (leftover.length) throw allocError(`failed to allocate all requested IPs: ${leftover.map(formatAddr).join(' ')}`);
    return ips;
  } catch (err) {
    await Promise.all(mine.map((ip) => store.release(ip, holder).catch(() => {})));
    throw err;
  }
}

/**
 * Walks the candidates skipping what the listing showed taken, and reserves the first that
 * O_EXCL lets us create; losing a race to a concurrent ADD just moves on to the next.
 */
async function reserveNext(store: IpamStore, set: RangeSet, idx: number, last: Addr | undefined, taken: Set<string>, holder: Required<Holder>): Promise<Addr | undefined> {
  for (const ip of candidates(set, last)) {
    const key = addrKey(ip);
    if (taken.has(key)) continue;
    taken.add(key);
    if (await store.reserve(ip, holder, idx)) return ip;
  }
  return undefined;
}

async function readResolvConf(deps: HostLocalDeps, path: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (err) {
    throw new CniError(ErrorCode.IoFailure, `failed to read ipam.resolvConf ${path}`, (err as Error).message);
  }
}

/** Filesystem failures of the store are I/O failures (code 5) naming the directory. */
async function storeErrors<T>(where: { dataDir: string; name: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CniError) throw err;
    throw new CniError(ErrorCode.IoFailure, `host-local store ${join(where.dataDir, where.name)} failed`, (err as Error)?.message ?? String(err));
  }
}
