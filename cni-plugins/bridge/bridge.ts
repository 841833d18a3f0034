import { randomBytes } from 'node:crypto';
import { delegate, type PluginRunner } from '../../src/cni/exec.js';
import type { Plugin, PluginContext } from '../../src/cni/skel.js';
import { CniError, ErrorCode, type Attachment, type IpConfig, type Result, type Route } from '../../src/cni/types.js';
import { convertResult, CURRENT_VERSION, parseResult } from '../../src/cni/version.js';
import { isAlreadyExists, isNotFound } from '../../src/host/errors.js';
import type { Addr, Link, Netlink, NetOp } from '../../src/host/netlink/types.js';
import type { Sysctl } from '../../src/host/sysctl/types.js';
import { canonicalIp, ipBytes, ipText, networkOf, parseCidr } from '../../src/host/netlink/validate.js';
import { Rollback } from '../../src/rollback.js';
import { parseBridgeConf, type BridgeConf } from './config.js';
import type { SpoofCheck } from './spoof.js';

export interface BridgeDeps {
  netlink: Netlink;
  sysctl: Sysctl;
  /** Runs the IPAM delegate. */
  runner: PluginRunner;
  /** The namespace that holds the bridge (the node); undefined = this process's own. */
  hostNetns?: string;
  /** nftables for ipMasq and macspoofchk; without them those settings are refused (code 2). */
  masq?: Masquerade;
  spoof?: SpoofCheck;
}

/** The nftables side of ipMasq, kept behind a small interface (nat.ts). */
export interface Masquerade {
  add(network: string, containerId: string, ifname: string, ips: readonly IpConfig[]): Promise<void>;
  del(network: string, containerId: string, ifname: string): Promise<void>;
  gc(network: string, valid: readonly Attachment[]): Promise<void>;
}

/** skiff-bridge: a veth pair from the pod into a Linux bridge, addresses from the IPAM delegate. */
export function bridgePlugin(deps: BridgeDeps): Plugin {
  const hostNs = deps.hostNetns;
  return {
    name: 'skiff-bridge',

    async add(ctx) {
      const conf = parseBridgeConf(ctx.conf, ctx.args.args);
      const { ipamType } = conf;
      if (!ipamType) throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam', 'skiff-bridge needs an ipam section');
      if ((conf.ipMasq && !deps.masq) || (conf.macspoofchk && !deps.spoof)) throw new CniError(ErrorCode.UnsupportedField, 'ipMasq and macspoofchk need nftables, which this build lacks');
      // Read alongside the bridge's check; its errors still come second, as when read after it.
      const inside = deps.netlink.links(ctx.args.netns);
      inside.catch(() => {});
      await ensureBridge(deps.netlink, conf, hostNs, ctx.log);
      const container = await inside.catch(openNetnsError(ctx.args.netns));
      if (container.some((l) => l.name === ctx.args.ifname)) {
        throw new CniError(ErrorCode.IoFailure, `container veth name provided (${ctx.args.ifname}) already exists`);
      }
      const logUndo = (what: string, err: Error) => ctx.log(`rollback: ${what}: ${err.message}`);
      return Rollback.run(logUndo, async (rb) => {
        let state: Promise<State> | undefined;
        const hostVeth = await createVeth(deps.netlink, conf, ctx, hostNs);
        rb.push(`delete veth ${hostVeth}`, () => deps.netlink.apply([{ op: 'link.del', name: hostVeth }], hostNs));
        // Unwound before the veth goes: no read of the links is left running into their deletion.
        rb.push('finish reading the links', () => state?.catch(() => {}));
        // Without a VLAN no port joins the bridge after the veth, so the state the result and the
        // gateway need is read now, on the addon's threads, while IPAM runs on this one.
        if (!conf.vlan) state = readState(deps.netlink, conf, ctx, hostNs);
        const ipam = (await delegate(deps.runner, ipamType, 'ADD', ctx))!;
        rb.push(`release the ${ipamType} reservation`, () => delegate(deps.runner, ipamType, 'DEL', ctx));
        if (!ipam.ips?.length) throw new CniError(ErrorCode.InvalidConfig, 'IPAM plugin returned missing IP config');
        const ips = ipam.ips.map((ip) => ({ ...withGateway(ip, conf), interface: 2 }));
        const routes = [...(ipam.routes ?? []), ...(conf.isDefaultGateway ? defaultRoutes(ips) : [])];
        const forwarding = state && conf.isGateway ? forwardingAlone(deps, conf, ips, state) : Promise.resolve(false);
        const [pod, forwarded] = await Promise.allSettled([configureContainer(deps.netlink, conf, ctx, ips, routes), forwarding]);
        if (pod.status === 'rejected') throw pod.reason;
        // With a VLAN the gateway is not the bridge itself but a link in that VLAN (the reference's
        // ensureVlanInterface); it stays, like the bridge, for the next pod.
        const gatewayDev = conf.isGateway && conf.vlan ? await ensureVlanInterface(deps.netlink, conf, hostNs) : conf.bridge;
        // That link's peer joins the bridge, which can change the bridge's MAC: read after it.
        state ??= readState(deps.netlink, conf, ctx, hostNs);
        const { links, inside, addrs } = await state;
        if (forwarded.status === 'rejected') throw forwarded.reason;
        if (conf.isGateway && !forwarded.value) await applyGateway(deps, gatewayOps(conf, gatewayDev, ips, addrs));
        if (conf.ipMasq) {
          await deps.masq!.add(ctx.conf.name, ctx.args.containerId, ctx.args.ifname, ips);
          rb.push('delete the masquerade entry', () => deps.masq!.del(ctx.conf.name, ctx.args.containerId, ctx.args.ifname));
        }
        const mac = (name: string, list: Link[]) => list.find((l) => l.name === name)?.mac ?? '';
        if (conf.macspoofchk) {
          await deps.spoof!.add(ctx.conf.name, ctx.args.containerId, ctx.args.ifname, hostVeth, mac(ctx.args.ifname, inside));
          rb.push('delete the MAC spoof check', () => deps.spoof!.del(ctx.conf.name, ctx.args.containerId, ctx.args.ifname));
        }
        return {
          cniVersion: CURRENT_VERSION,
          interfaces: [
            { name: conf.bridge, mac: mac(conf.bridge, links) },
            { name: hostVeth, mac: mac(hostVeth, links) },
            { name: ctx.args.ifname, mac: mac(ctx.args.ifname, inside), mtu: conf.mtu, sandbox: ctx.args.netns },
            ...(gatewayDev !== conf.bridge ? [{ name: gatewayDev, mac: mac(gatewayDev, links) }] : []),
          ],
          ips,
          routes,
          ...(ipam.dns && Object.keys(ipam.dns).length ? { dns: ipam.dns } : {}),
        };
      }).catch((err: unknown) => {
        throw toCniError(err);
      });
    },

    async del(ctx) {
      const conf = parseBridgeConf(ctx.conf, ctx.args.args);
      // IPAM first, as the reference does: the reservation must go even when the netns is gone.
      if (conf.ipamType) await delegate(deps.runner, conf.ipamType, 'DEL', ctx);
      if (conf.ipMasq && deps.masq) await deps.masq.del(ctx.conf.name, ctx.args.containerId, ctx.args.ifname);
      if (conf.macspoofchk && deps.spoof) await deps.spoof.del(ctx.conf.name, ctx.args.containerId, ctx.args.ifname);
      if (!ctx.args.netns) return;
      // Deleting the container end takes the host end with it.
      await deps.netlink.apply([{ op: 'link.del', name: ctx.args.ifname }], ctx.args.netns).catch((err) => {
        if (!isNotFound(err)) throw toCniError(err);
      });
    },

    async check(ctx) {
      const conf = parseBridgeConf(ctx.conf, ctx.args.args);
      if (ctx.conf.prevResult === undefined) throw new CniError(ErrorCode.InvalidConfig, 'required prevResult missing');
      const prev = convertResult(parseResult(ctx.conf.prevResult, 'prevResult'), CURRENT_VERSION);
      if (conf.ipamType) await delegate(deps.runner, conf.ipamType, 'CHECK', ctx);
      await checkState(deps.netlink, conf, ctx, prev, hostNs);
    },

    async status(ctx) {
      const conf = parseBridgeConf(ctx.conf, ctx.args.args);
      if (conf.ipamType) await delegate(deps.runner, conf.ipamType, 'STATUS', ctx);
    },

    async gc(ctx, valid) {
      const conf = parseBridgeConf(ctx.conf, ctx.args.args);
      if (conf.ipamType) await delegate(deps.runner, conf.ipamType, 'GC', ctx);
      if (conf.ipMasq && deps.masq) await deps.masq.gc(ctx.conf.name, valid);
      if (conf.macspoofchk && deps.spoof) await deps.spoof.gc(ctx.conf.name, valid);
    },
  };
}

/**
 * Creates the bridge if missing (filtering VLANs when the config has one); refuses a non-bridge
 * of that name. As the reference, an existing bridge keeps its VLAN filtering setting.
 */
async function ensureBridge(netlink: Netlink, conf: BridgeConf, hostNs: string | undefined, log: (msg: string) => void): Promise<void> {
  const existing = (await netlink.links(hostNs)).find((l) => l.name === conf.bridge);
  if (existing && existing.kind !== 'bridge') throw new CniError(ErrorCode.IoFailure, `"${conf.bridge}" already exists but is not a bridge`);
  if (existing && conf.vlan && existing.vlanFiltering === false) log(`bridge "${conf.bridge}" exists without VLAN filtering: VLAN ${conf.vlan} will not isolate its pods`);
  const ops: NetOp[] = [];
  if (!existing) ops.push({ op: 'link.add', name: conf.bridge, kind: 'bridge', mtu: conf.mtu, ...(conf.vlan ? { vlanFiltering: true } : {}) });
  if (!existing?.up || (conf.promiscMode && !existing.promisc)) ops.push({ op: 'link.set', name: conf.bridge, up: true, ...(conf.promiscMode ? { promisc: true } : {}) });
  if (ops.length) {
    try {
      await netlink.apply(ops, hostNs);
    } catch (err) {
      if (!isAlreadyExists(err)) throw conf.vlan ? vlanError(err, `failed to create bridge "${conf.bridge}"`) : err;
      await netlink.apply([{ op: 'link.set', name: conf.bridge, up: true }], hostNs); // a parallel ADD made it first
    }
  }
}

/** What ADD reads back: the node's links and the pod's (for MACs), the node's addresses (for the gateway). */
interface State {
  links: Link[];
  inside: Link[];
  addrs: Addr[];
}

/** Read concurrently; a failure is handled where the state is awaited (or dropped by a rollback). */
function readState(netlink: Netlink, conf: BridgeConf, ctx: PluginContext, hostNs: string | undefined): Promise<State> {
  const read = Promise.all([netlink.links(hostNs), netlink.links(ctx.args.netns), conf.isGateway ? netlink.addrs(hostNs) : []])
    .then(([links, inside, addrs]) => ({ links, inside, addrs }));
  read.catch(() => {});
  return read;
}

/** The access-port settings of a VLAN: untagged frames from the port join it, and leave untagged. */
function accessPort(dev: string, vid: number): NetOp[] {
  return vid ? [{ op: 'bridge.vlan.add', dev, vid, pvid: true, untagged: true }] : [];
}

/** EOPNOTSUPP from a VLAN setting most likely means a kernel without CONFIG_BRIDGE_VLAN_FILTERING. */
function vlanError(err: unknown, what: string): unknown {
  if ((err as { code?: string })?.code !== 'EOPNOTSUPP') return err;
  return new CniError(ErrorCode.IoFailure, `${what}: ${(err as Error).message}`, 'is this kernel built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)?');
}

/**
 * The reference's ensureVlanInterface: a veth pair in the node, "<bridge>.<vlan>" holding the
 * gateway addresses and its peer an access port of the VLAN. Reused when it exists.
 */
async function ensureVlanInterface(netlink: Netlink, conf: BridgeConf, hostNs: string | undefined): Promise<string> {
  const name = `${conf.bridge}.${conf.vlan}`;
  for (let attempt = 0; ; attempt++) {
    const links = await netlink.links(hostNs);
    if (links.some((l) => l.name === name)) return name;
    const br = links.find((l) => l.name === conf.bridge);
    const port = `veth${randomBytes(4).toString('hex')}`;
    try {
      await netlink.apply([
        { op: 'link.add', name, kind: 'veth', ...(br ? { mtu: br.mtu } : {}), peer: { name: port } },
        { op: 'link.set', name: port, master: conf.bridge, up: true },
        ...accessPort(port, conf.vlan),
        { op: 'link.set', name, up: true },
      ], hostNs);
      return name;
    } catch (err) {
      // EEXIST: a parallel ADD made it (found on the next pass) or the random name was taken.
      if (!isAlreadyExists(err) || attempt >= 3) throw vlanError(err, `failed to create vlan gateway "${name}"`);
    }
  }
}

/** The host end gets a random name (veth + 8 hex, as the reference) and joins the bridge. */
async function createVeth(netlink: Netlink, conf: BridgeConf, ctx: PluginContext, hostNs: string | undefined): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const hostVeth = `veth${randomBytes(4).toString('hex')}`;
    try {
      await netlink.apply([
        { op: 'link.add', name: hostVeth, kind: 'veth', mtu: conf.mtu, peer: { name: ctx.args.ifname, netns: ctx.args.netns, ...(conf.mac ? { mac: conf.mac } : {}) } },
        { op: 'link.set', name: hostVeth, master: conf.bridge, up: true, ...(conf.hairpinMode ? { hairpin: true } : {}) },
        ...accessPort(hostVeth, conf.vlan),
      ], hostNs);
      return hostVeth;
    } catch (err) {
      if (!isAlreadyExists(err) || attempt >= 3) throw conf.vlan ? vlanError(err, `failed to setup vlan tag on the host end of ${ctx.args.ifname}`) : err;
    }
  }
}

/** The reference's calcGateways: a gateway defaults to the first address of the network. */
function withGateway(ip: IpConfig, conf: BridgeConf): IpConfig {
  if (ip.gateway || !conf.isGateway) return ip;
  const cidr = parseCidr(ip.address, 'ip');
  const bytes = ipBytes(networkOf(cidr), cidr.family);
  bytes[bytes.length - 1]! += 1; // host bits of a network address end in 0
  return { ...ip, gateway: ipText(bytes, cidr.family) };
}

function defaultRoutes(ips: readonly IpConfig[]): Route[] {
  return ips.filter((ip) => ip.gateway).map((ip) => ({ dst: ip.address.includes(':') ? '::/0' : '0.0.0.0/0', gw: ip.gateway! }));
}

/** Inside the pod: addresses, link up, then routes (the kernel needs the link up for them). */
async function configureContainer(netlink: Netlink, conf: BridgeConf, ctx: PluginContext, ips: readonly IpConfig[], routes: readonly Route[]): Promise<void> {
  const dev = ctx.args.ifname;
  const ops: NetOp[] = ips.map((ip) => ({ op: 'addr.add', dev, cidr: ip.address, ...(conf.enableDad ? {} : { noDad: true }) }));
  ops.push({ op: 'link.set', name: dev, up: true });
  for (const r of routes) {
    const v6 = r.dst.includes(':');
    const gw = r.gw ?? ips.find((ip) => ip.address.includes(':') === v6 && ip.gateway)?.gateway;
    const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst === '::/0' ? 'default6' : r.dst;
    ops.push({ op: 'route.add', dst, dev, ...(gw ? { via: gw } : {}), ...(r.priority !== undefined ? { metric: r.priority } : {}), ...(r.table !== undefined ? { table: r.table } : {}) });
  }
  await netlink.apply(ops, ctx.args.netns);
}

/**
 * When the bridge already holds the gateway addresses (as the ADD that added them left it, with
 * forwarding on), only forwarding is left to set, which does not depend on the pod's side: it
 * goes alongside it. True when it did; false leaves the gateway to after the pod's side, as a
 * batch adding an address (or failing to decide) must be, so a failed ADD never adds one.
 */
async function forwardingAlone(deps: BridgeDeps, conf: BridgeConf, ips: readonly IpConfig[], state: Promise<State>): Promise<boolean> {
  let ops: NetOp[];
  try {
    ops = gatewayOps(conf, conf.bridge, ips, (await state).addrs);
  } catch {
    return false;
  }
  if (!ops.every((op) => op.op === 'sysctl.set')) return false;
  await applyGateway(deps, ops);
  return true;
}

/** dev (the bridge, or the VLAN's gateway link) holds each gateway address; forwarding on. Another address only with forceAddress. */
function gatewayOps(conf: BridgeConf, dev: string, ips: readonly IpConfig[], addrs: readonly Addr[]): NetOp[] {
  const have = addrs.filter((a) => a.dev === dev && a.scope === 'universe');
  const ops: NetOp[] = [];
  for (const ip of ips) {
    const gateway = ip.gateway;
    if (!gateway) continue;
    const { family, prefixLen } = parseCidr(ip.address, 'ip');
    const want = `${gateway}/${prefixLen}`;
    if (have.some((a) => a.cidr === want)) continue;
    const other = have.find((a) => a.family === family && networkOf(parseCidr(a.cidr, 'x')) === networkOf({ family, address: gateway, prefixLen }));
    if (other && !conf.forceAddress) throw new CniError(ErrorCode.IoFailure, `"${dev}" already has an IP address different from ${want}`);
    if (other) ops.push({ op: 'addr.del', dev, cidr: other.cidr });
    ops.push({ op: 'addr.add', dev, cidr: want, ...(family === 6 ? { noDad: true } : {}) });
  }
  const v4 = ips.some((ip) => !ip.address.includes(':'));
  const v6 = ips.some((ip) => ip.address.includes(':'));
  if (v4) ops.push({ op: 'sysctl.set', key: 'net.ipv4.ip_forward', value: '1' });
  if (v6) ops.push({ op: 'sysctl.set', key: 'net.ipv6.conf.all.forwarding', value: '1' });
  return ops;
}

async function applyGateway(deps: BridgeDeps, ops: readonly NetOp[]): Promise<void> {
  try {
    await deps.netlink.apply(ops, deps.hostNetns);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err; // a parallel ADD added the same gateway
  }
}

async function checkState(netlink: Netlink, conf: BridgeConf, ctx: PluginContext, prev: Result, hostNs: string | undefined): Promise<void> {
  const fail = (msg: string) => new CniError(ErrorCode.IoFailure, msg);
  const inside = await netlink.links(ctx.args.netns).catch(openNetnsError(ctx.args.netns));
  const me = prev.interfaces?.find((i) => i.name === ctx.args.ifname && i.sandbox);
  const link = inside.find((l) => l.name === ctx.args.ifname);
  if (!link) throw fail(`container interface ${ctx.args.ifname} not found`);
  if (me?.mac && link.mac !== me.mac.toLowerCase()) throw fail(`interface ${ctx.args.ifname} MAC ${link.mac} is not the expected ${me.mac}`);
  const hostLinks = await netlink.links(hostNs);
  const br = hostLinks.find((l) => l.name === conf.bridge);
  if (!br || br.kind !== 'bridge') throw fail(`bridge ${conf.bridge} not found`);
  const peer = hostLinks.find((l) => l.index === link.parent);
  if (!peer || peer.master !== conf.bridge) throw fail(`host end of ${ctx.args.ifname} is not attached to ${conf.bridge}`);
  const addrs = (await netlink.addrs(ctx.args.netns)).filter((a) => a.dev === ctx.args.ifname).map((a) => a.cidr);
  for (const ip of prev.ips ?? []) {
    const { family, address, prefixLen } = parseCidr(ip.address, 'prevResult ip');
    if (!addrs.includes(`${canonicalIp(address, family)}/${prefixLen}`)) throw fail(`address ${ip.address} missing on ${ctx.args.ifname}`);
  }
}

function openNetnsError(netns: string): (err: unknown) => never {
  return (err) => {
    if (isNotFound(err)) throw new CniError(ErrorCode.IoFailure, `failed to open netns "${netns}"`, (err as Error).message);
    throw err;
  };
}

function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  return new CniError(ErrorCode.IoFailure, (err as Error)?.message ?? String(err));
}
