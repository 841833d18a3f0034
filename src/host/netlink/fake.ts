import type { NativeOp } from '../../../native/binding.js';
import { HostError } from '../errors.js';
import { detachPort, FakeKernel, randomMac, type FakeLink, type FakeRoute, type NetState } from '../fake-kernel.js';
import { MAIN_TABLE, describe, encode, scopeName } from './encode.js';
import { checkUndoable } from './undo.js';
import type { Addr, BridgeVlan, Link, NetOp, Netlink, Route, RouteQuery } from './types.js';
import { canonicalIp, networkOf } from './validate.js';

type Op<K extends NativeOp['op']> = Extract<NativeOp, { op: K }>;
type AddrOp = Extract<NativeOp, { address: string }>;
type RouteOp = Extract<NativeOp, { dstLen: number }>;
const V6_USER_METRIC = 1024;
const V6_PREFIX_METRIC = 256;

/** Netlink over the in-memory kernel model, with the kernel's errno for each refusal. */
export class FakeNetlink implements Netlink {
  constructor(readonly kernel: FakeKernel) {}

  async apply(ops: readonly NetOp[], netns?: string): Promise<void> {
    const encoded = ops.map(encode);
    checkUndoable(ops);
    this.kernel.atomically(() => {
      const ns = this.kernel.resolve(netns);
      encoded.forEach((op, i) => {
        try {
          this.applyOne(ns, op);
        } catch (err) {
          if (err instanceof HostError) {
            err.opIndex = i;
            err.message = `${describe(ops[i]!)}: ${err.message}`;
          }
          throw err;
        }
      });
    });
  }

  async links(netns?: string): Promise<Link[]> {
    const ns = this.kernel.resolve(netns);
    return [...ns.links.values()].sort((a, b) => a.index - b.index).map((l) => ({
      index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, mac: l.mac, master: l.master, up: l.up, promisc: l.promisc,
      operstate: this.operstate(ns, l), parent: l.parent, hairpin: l.hairpin,
      ...(l.kind === 'bridge' ? { vlanFiltering: l.vlanFiltering ?? false } : {}),
    }));
  }

  async bridgeVlans(netns?: string): Promise<BridgeVlan[]> {
    const ns = this.kernel.resolve(netns);
    return [...ns.links.values()].sort((a, b) => a.index - b.index)
      .flatMap((l) => (l.vlans ?? []).map((v) => ({ dev: l.name, vid: v.vid, pvid: l.pvid === v.vid, untagged: v.untagged })));
  }

  async addrs(netns?: string, family?: 4 | 6): Promise<Addr[]> {
    const ns = this.kernel.resolve(netns);
    return ns.addrs.filter((a) => !family || a.family === family)
      .map((a) => ({ dev: a.dev, family: a.family, cidr: `${a.address}/${a.prefixLen}`, scope: scopeName(a.scope) }));
  }

  async routes(netns?: string, query: RouteQuery = {}): Promise<Route[]> {
    const ns = this.kernel.resolve(netns);
    const table = query.table ?? MAIN_TABLE;
    return allRoutes(ns).filter((r) => (!query.family || r.family === query.family) && (table === 0 || r.table === table)).map((r) => ({
      family: r.family, dst: r.dstLen === 0 ? (r.family === 4 ? 'default' : 'default6') : `${r.dst}/${r.dstLen}`,
      via: r.via, dev: r.dev, scope: scopeName(r.scope), table: r.table, metric: r.metric, src: r.src,
    }));
  }

  private applyOne(ns: NetState, op: NativeOp): void {
    switch (op.op) {
      case 'linkAdd': return this.linkAdd(ns, op);
      case 'linkDel': return this.kernel.removeLink(ns, link(ns, op.name).name);
      case 'linkSet': return this.linkSet(ns, op);
      case 'addrAdd': return addrAdd(ns, op);
      case 'addrDel': return addrDel(ns, op);
      case 'routeAdd': case 'routeReplace': return routeAdd(ns, op);
      case 'routeDel': return routeDel(ns, op);
      case 'sysctlSet': return sysctlSet(ns, op.path, op.value);
      case 'bridgeVlanAdd': case 'bridgeVlanDel': return this.bridgeVlan(ns, op);
      default: throw new HostError('EINVAL', `op ${op.op} is not a change`, 'netlink');
    }
  }

  private linkAdd(ns: NetState, op: Op<'linkAdd'>): void {
    if (ns.links.has(op.name)) throw exists(`link "${op.name}"`);
    if (op.kind === 'veth') {
      const peerNs = op.peerNetns !== undefined ? this.kernel.resolve(op.peerNetns) : ns;
      const peerName = op.peerName!;
      if (peerNs.links.has(peerName) || (peerNs === ns && peerName === op.name)) throw exists(`link "${peerName}"`);
      const a = this.kernel.addLink(ns, { name: op.name, kind: 'veth', mtu: op.mtu ?? 1500, mac: op.mac ?? randomMac() });
      const b = this.kernel.addLink(peerNs, { name: peerName, kind: 'veth', mtu: op.mtu ?? 1500, mac: op.peerMac ?? randomMac() });
      Object.assign(a, { peer: { ns: peerNs.id, name: b.name }, parent: b.index });
      Object.assign(b, { peer: { ns: ns.id, name: a.name }, parent: a.index });
      return;
    }
    const under = op.kind === 'vxlan' && op.vxlanDev !== undefined ? link(ns, op.vxlanDev) : undefined;
    const mtu = op.mtu ?? (op.kind === 'vxlan' ? (under ? under.mtu - 50 : 1450) : 1500);
    if (op.vlanFiltering !== undefined) this.needVlanFiltering();
    const created = this.kernel.addLink(ns, { name: op.name, kind: op.kind, mtu, mac: op.mac ?? randomMac() });
    if (under) created.parent = under.index;
    if (op.kind === 'bridge') {
      created.vlanFiltering = op.vlanFiltering ?? false;
      this.defaultVlan(created); // br_vlan_init: the bridge's own default PVID
    }
  }

  /** A kernel without CONFIG_BRIDGE_VLAN_FILTERING refuses IFLA_BR_VLAN_FILTERING, even 0. */
  private needVlanFiltering(): void {
    if (!this.kernel.bridgeVlanFiltering) throw notSupported('bridge VLAN filtering is not built into this kernel');
  }

  /** VLAN 1 as PVID, untagged: what a new bridge, and a new port, start with (default_pvid). */
  private defaultVlan(l: FakeLink): void {
    if (!this.kernel.bridgeVlanFiltering) return;
    l.vlans = [{ vid: 1, untagged: true }];
    l.pvid = 1;
  }

  /** br_vlan_info on a port: add sets the vid's flags (pvid moves, untagged follows), del ignores a missing vid. */
  private bridgeVlan(ns: NetState, op: Op<'bridgeVlanAdd' | 'bridgeVlanDel'>): void {
    const port = link(ns, op.dev);
    if (!port.master) throw notSupported(`"${port.name}" is not a bridge port`);
    if (op.vid < 1 || op.vid > 4094) throw new HostError('EINVAL', `vid ${op.vid}: Invalid argument (bridge: Vlan id is invalid)`, 'netlink');
    if (op.op === 'bridgeVlanDel') {
      if (port.vlans) port.vlans = port.vlans.filter((v) => v.vid !== op.vid);
      if (port.pvid === op.vid) port.pvid = 0;
      return;
    }
    this.needVlanFiltering();
    const vlans = (port.vlans ?? []).filter((v) => v.vid !== op.vid);
    vlans.push({ vid: op.vid, untagged: op.untagged ?? false });
    port.vlans = vlans.sort((a, b) => a.vid - b.vid);
    if (op.pvid) port.pvid = op.vid;
    else if (port.pvid === op.vid) port.pvid = 0;
  }

  private linkSet(ns: NetState, op: Op<'linkSet'>): void {
    let target = link(ns, op.name);
    if (op.mtu !== undefined) target.mtu = op.mtu;
    if (op.mac !== undefined) target.mac = op.mac;
    if (op.newName !== undefined && op.newName !== target.name) target = this.rename(ns, target, op.newName);
    if (op.netns !== undefined) return this.move(ns, target, op);
    if (op.master !== undefined) {
      if (op.master === '') detachPort(target);
      else {
        const master = link(ns, op.master);
        if (master.kind !== 'bridge') throw notSupported(`"${master.name}" is not a bridge`);
        if (target.master !== master.name) {
          detachPort(target);
          target.master = master.name;
          this.defaultVlan(target); // nbp_vlan_init
        }
      }
    }
    if (op.promisc !== undefined) target.promisc = op.promisc;
    if (op.vlanFiltering !== undefined) {
      if (target.kind !== 'bridge') throw notSupported(`"${target.name}" is not a bridge`);
      this.needVlanFiltering();
      target.vlanFiltering = op.vlanFiltering;
    }
    if (op.up !== undefined) this.setUp(ns, target, op.up);
    if (op.hairpin !== undefined) {
      if (!target.master) throw notSupported(`"${target.name}" is not a bridge port`);
      target.hairpin = op.hairpin;
    }
  }

  private rename(ns: NetState, target: FakeLink, newName: string): FakeLink {
    if (ns.links.has(newName)) throw exists(`link "${newName}"`);
    if (target.up) throw new HostError('EBUSY', `link "${target.name}" is up: Device or resource busy`, 'netlink');
    const old = target.name;
    ns.links.delete(old);
    target.name = newName;
    ns.links.set(newName, target);
    for (const a of ns.addrs) if (a.dev === old) a.dev = newName;
    for (const r of ns.routes) if (r.dev === old) r.dev = newName;
    for (const l of ns.links.values()) if (l.master === old) l.master = newName;
    for (const [k, v] of [...ns.sysctls]) {
      const renamed = k.replace(`/conf/${old}/`, `/conf/${newName}/`);
      if (renamed !== k) ns.sysctls.delete(k), ns.sysctls.set(renamed, v);
    }
    this.repointPeer(ns, target);
    return target;
  }

  /** Moving a link closes it and flushes its addresses and routes, as dev_change_net_namespace does. */
  private move(ns: NetState, target: FakeLink, op: Op<'linkSet'>): void {
    const dest = this.kernel.resolve(op.netns);
    if (dest === ns) return;
    if (dest.links.has(target.name)) throw exists(`link "${target.name}" in the target namespace`);
    const peer = target.peer;
    delete target.peer;
    this.kernel.removeLink(ns, target.name);
    const moved = this.kernel.addLink(dest, { name: target.name, kind: target.kind, mtu: target.mtu, mac: target.mac, index: target.index });
    Object.assign(moved, { promisc: target.promisc, parent: target.parent, ...(peer ? { peer } : {}) });
    this.repointPeer(dest, moved);
    if (op.up) this.setUp(dest, moved, true);
  }

  private repointPeer(ns: NetState, l: FakeLink): void {
    if (!l.peer) return;
    const other = this.kernel.state.net.get(l.peer.ns)?.links.get(l.peer.name);
    if (other) Object.assign(other, { peer: { ns: ns.id, name: l.name }, parent: l.index });
  }

  private setUp(ns: NetState, l: FakeLink, up: boolean): void {
    l.up = up;
    if (up && l.name === 'lo') this.kernel.addLoopbackAddrs(ns);
    // IPv4 drops every route through a link that goes down (fib_sync_down_dev).
    if (!up) ns.routes = ns.routes.filter((r) => r.family !== 4 || r.dev !== l.name);
  }

  private operstate(ns: NetState, l: FakeLink): string {
    if (!l.up) return 'DOWN';
    if (l.name === 'lo') return 'UNKNOWN';
    if (l.kind === 'veth') {
      const peer = l.peer && this.kernel.state.net.get(l.peer.ns)?.links.get(l.peer.name);
      return peer?.up ? 'UP' : 'LOWERLAYERDOWN';
    }
    if (l.kind === 'bridge') return [...ns.links.values()].some((p) => p.master === l.name && p.up) ? 'UP' : 'DOWN';
    return 'UNKNOWN';
  }
}

function link(ns: NetState, name: string): FakeLink {
  const l = ns.links.get(name);
  if (!l) throw new HostError('ENODEV', `link "${name}": No such device`, 'netlink');
  return l;
}

function notSupported(what: string): HostError {
  return new HostError('EOPNOTSUPP', `${what}: Operation not supported`, 'netlink');
}

function exists(what: string): HostError {
  return new HostError('EEXIST', `${what}: File exists`, 'netlink');
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function addrAdd(ns: NetState, op: AddrOp): void {
  link(ns, op.dev);
  const family = familyOf(op.address);
  const address = canonicalIp(op.address, family);
  const clash = ns.addrs.some((a) => a.dev === op.dev && a.address === address && (family === 6 || a.prefixLen === op.prefixLen));
  if (clash) throw exists(`address ${address}/${op.prefixLen} on "${op.dev}"`);
  ns.addrs.push({ dev: op.dev, family, address, prefixLen: op.prefixLen, scope: op.scope ?? 0 });
}

function addrDel(ns: NetState, op: AddrOp): void {
  link(ns, op.dev);
  const address = canonicalIp(op.address, familyOf(op.address));
  const i = ns.addrs.findIndex((a) => a.dev === op.dev && a.address === address && a.prefixLen === op.prefixLen);
  if (i < 0) throw new HostError('EADDRNOTAVAIL', `address ${address}/${op.prefixLen} on "${op.dev}": Cannot assign requested address`, 'netlink');
  ns.addrs.splice(i, 1);
}

/** Static routes plus the prefix routes the kernel derives from addresses on up links. */
function allRoutes(ns: NetState): FakeRoute[] {
  const connected = ns.addrs.flatMap((a): FakeRoute[] => {
    const l = ns.links.get(a.dev);
    if (!l?.up || a.scope === 254 || a.prefixLen === (a.family === 4 ? 32 : 128)) return [];
    const dst = networkOf(a);
    return [{ family: a.family, dst, dstLen: a.prefixLen, via: '', dev: a.dev, scope: a.family === 4 ? 253 : 0, table: MAIN_TABLE, metric: a.family === 4 ? 0 : V6_PREFIX_METRIC, src: a.family === 4 ? a.address : '' }];
  });
  return [...connected, ...ns.routes];
}

function contains(r: FakeRoute, ip: string, family: 4 | 6): boolean {
  return r.family === family && (r.dstLen === 0 || networkOf({ family, address: ip, prefixLen: r.dstLen }) === r.dst);
}

function routeAdd(ns: NetState, op: RouteOp): void {
  const family = op.family;
  const dev = op.dev !== undefined ? link(ns, op.dev) : undefined;
  const route: FakeRoute = {
    family, dst: op.dstLen === 0 ? '' : canonicalIp(op.dst, family), dstLen: op.dstLen, via: op.gateway ? canonicalIp(op.gateway, family) : '',
    dev: dev?.name ?? '', scope: op.scope ?? 0, table: op.table ?? MAIN_TABLE, metric: op.metric || (family === 6 ? V6_USER_METRIC : 0), src: op.src ?? '',
  };
  if (route.via) {
    const onLink = allRoutes(ns).find((r) => r.via === '' && contains(r, route.via, family) && (!dev || r.dev === dev.name) && ns.links.get(r.dev)?.up);
    if (!onLink) throw new HostError('ENETUNREACH', `gateway ${route.via}: Network is unreachable`, 'netlink');
    route.dev ||= onLink.dev;
  } else if (family === 4 && dev && !dev.up) {
    throw new HostError('ENETDOWN', `device "${dev.name}" is not up: Network is down`, 'netlink');
  }
  const same = (r: FakeRoute) => r.family === family && r.table === route.table && r.dst === route.dst && r.dstLen === route.dstLen && r.metric === route.metric;
  const i = ns.routes.findIndex(same);
  if (i >= 0 && op.op === 'routeAdd') throw exists(`route ${route.dst || 'default'}/${route.dstLen}`);
  if (i >= 0) ns.routes[i] = route;
  else ns.routes.push(route);
}

function routeDel(ns: NetState, op: RouteOp): void {
  const dst = op.dstLen === 0 ? '' : canonicalIp(op.dst, op.family);
  const via = op.gateway ? canonicalIp(op.gateway, op.family) : undefined;
  const i = ns.routes.findIndex((r) => r.family === op.family && r.table === (op.table ?? MAIN_TABLE) && r.dst === dst && r.dstLen === op.dstLen
    && (via === undefined || r.via === via) && (op.dev === undefined || r.dev === op.dev) && (op.metric === undefined || r.metric === op.metric));
  if (i < 0) throw new HostError('ESRCH', `route ${dst || 'default'}/${op.dstLen}: No such process`, 'netlink');
  ns.routes.splice(i, 1);
}

export function sysctlSet(ns: NetState, path: string, value: string): void {
  const old = ns.sysctls.get(path);
  if (old === undefined) throw new HostError('ENOENT', `sysctl ${path}: No such file or directory`, 'open');
  if (/^-?\d+(\t-?\d+)*$/.test(old) && !/^\s*-?\d+([\t ]+-?\d+)*\s*$/.test(value)) throw new HostError('EINVAL', `sysctl ${path}: "${value}" is not a number: Invalid argument`, 'write');
  ns.sysctls.set(path, value.trim().replace(/ +/g, '\t'));
}
