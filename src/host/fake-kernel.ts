import { HostError } from './errors.js';

// An in-memory model of the kernel's network namespaces, shared by the fake seams
// (netlink, netns, sysctl) so they agree with each other the way the real ones do: a veth
// whose peer lives in a pinned namespace disappears when that namespace is unpinned, a
// sysctl of a link appears with the link, and so on. Plain data (namespaces refer to each
// other by id), so a batch can be made all-or-nothing with one structuredClone.

export interface FakeLink {
  index: number;
  name: string;
  kind: string;
  mtu: number;
  mac: string;
  master: string;
  up: boolean;
  promisc: boolean;
  hairpin: boolean;
  /** veth: the other end; vxlan: the underlay in the same namespace. */
  peer?: { ns: number; name: string };
  parent: number;
  /** Bridges: VLAN filtering on. */
  vlanFiltering?: boolean;
  /** Bridge ports and bridges (their own entries): the VLAN group, sorted by vid, and its PVID (0: none). */
  vlans?: FakeVlan[];
  pvid?: number;
}

export interface FakeVlan { vid: number; untagged: boolean }

export interface FakeKernelOptions {
  /** Model a kernel built with CONFIG_BRIDGE_VLAN_FILTERING (default). Without it, as on this
   *  project's VMs, vlan_filtering and VLAN adds are refused with EOPNOTSUPP and no VLANs are listed. */
  bridgeVlanFiltering?: boolean;
}

export interface FakeAddr { dev: string; family: 4 | 6; address: string; prefixLen: number; scope: number }

export interface FakeRoute {
  family: 4 | 6; dst: string; dstLen: number; via: string; dev: string; scope: number; table: number; metric: number; src: string;
}

export interface NetState {
  id: number;
  links: Map<string, FakeLink>;
  addrs: FakeAddr[];
  /** Static routes only; connected routes are derived from addresses on up links. */
  routes: FakeRoute[];
  sysctls: Map<string, string>;
  nextIndex: number;
}

export interface KernelState {
  net: Map<number, NetState>;
  /** Namespace pins: path -> namespace id ('net' kind) or a marker for ipc/uts pins. */
  pins: Map<string, { kind: 'net' | 'ipc' | 'uts'; id: number }>;
  nextId: number;
}

const NS_SYSCTLS: Readonly<Record<string, string>> = {
  'net/ipv4/ip_forward': '0',
  'net/ipv4/ip_unprivileged_port_start': '1024',
  'net/ipv4/ping_group_range': '1\t0',
  'net/ipv4/ip_local_port_range': '32768\t60999',
  'net/ipv6/conf/all/forwarding': '0',
  'net/ipv6/conf/all/disable_ipv6': '0',
  'net/ipv6/conf/default/disable_ipv6': '0',
  'net/bridge/bridge-nf-call-iptables': '1',
  'net/netfilter/nf_conntrack_max': '262144',
};
const DEV_SYSCTLS: Readonly<Record<string, string>> = {
  'net/ipv4/conf/%/forwarding': '0',
  'net/ipv4/conf/%/rp_filter': '0',
  'net/ipv4/conf/%/proxy_arp': '0',
  'net/ipv4/conf/%/route_localnet': '0',
  'net/ipv4/conf/%/arp_notify': '0',
  'net/ipv6/conf/%/disable_ipv6': '0',
  'net/ipv6/conf/%/accept_dad': '1',
  'net/ipv6/conf/%/forwarding': '0',
};

export const HOST_NETNS_ALIASES = new Set(['/proc/self/ns/net', '/proc/thread-self/ns/net']);

export class FakeKernel {
  state: KernelState = { net: new Map(), pins: new Map(), nextId: 1 };
  readonly hostNs: number;
  readonly bridgeVlanFiltering: boolean;

  constructor(options: FakeKernelOptions = {}) {
    this.bridgeVlanFiltering = options.bridgeVlanFiltering ?? true;
    this.hostNs = this.newNetns();
    this.net(this.hostNs).links.get('lo')!.up = true;
    this.addLoopbackAddrs(this.net(this.hostNs));
  }

  net(id: number): NetState {
    const ns = this.state.net.get(id);
    if (!ns) throw new HostError('ENOENT', `network namespace ${id} is gone`, 'setns');
    return ns;
  }

  /** The namespace pinned at path (the caller's own when undefined). ENOENT like open(2). */
  resolve(path: string | undefined): NetState {
    if (path === undefined || HOST_NETNS_ALIASES.has(path)) return this.net(this.hostNs);
    const pin = this.state.pins.get(path);
    if (!pin) throw new HostError('ENOENT', `network namespace "${path}": No such file or directory`, 'open');
    if (pin.kind !== 'net') throw new HostError('EINVAL', `"${path}" is not a network namespace`, 'setns');
    return this.net(pin.id);
  }

  newNetns(): number {
    const id = this.state.nextId++;
    const ns: NetState = { id, links: new Map(), addrs: [], routes: [], sysctls: new Map(Object.entries(NS_SYSCTLS)), nextIndex: 1 };
    for (const scope of ['all', 'default']) for (const [k, v] of Object.entries(DEV_SYSCTLS)) ns.sysctls.set(k.replace('%', scope), v);
    this.state.net.set(id, ns);
    this.addLink(ns, { name: 'lo', kind: '', mtu: 65536, mac: '00:00:00:00:00:00' });
    return id;
  }

  /** A namespace with no pin left is destroyed: its veths go, and their peers with them. */
  destroyNetns(id: number): void {
    const ns = this.state.net.get(id);
    if (!ns) return;
    for (const link of [...ns.links.values()]) if (link.kind === 'veth') this.removeLink(ns, link.name);
    this.state.net.delete(id);
  }

  addLink(ns: NetState, spec: Pick<FakeLink, 'name' | 'kind' | 'mtu' | 'mac'> & { index?: number }): FakeLink {
    if (ns.links.has(spec.name)) throw new HostError('EEXIST', `link "${spec.name}": File exists`, 'netlink');
    const taken = new Set([...ns.links.values()].map((l) => l.index));
    const index = spec.index !== undefined && !taken.has(spec.index) ? spec.index : nextFree(ns, taken);
    const link: FakeLink = { ...spec, index, master: '', up: false, promisc: false, hairpin: false, parent: 0 };
    ns.links.set(link.name, link);
    for (const [k, v] of Object.entries(DEV_SYSCTLS)) ns.sysctls.set(k.replace('%', link.name), v);
    return link;
  }

  /** Removes a link with everything that hangs on it (addresses, routes, sysctls, ports, veth peer). */
  removeLink(ns: NetState, name: string): void {
    const link = ns.links.get(name);
    if (!link) return;
    ns.links.delete(name);
    this.forgetAddressing(ns, name);
    for (const k of Object.keys(DEV_SYSCTLS)) ns.sysctls.delete(k.replace('%', name));
    for (const other of ns.links.values()) if (other.master === name) detachPort(other);
    if (link.kind === 'veth' && link.peer) {
      const peerNs = this.state.net.get(link.peer.ns);
      const peer = peerNs?.links.get(link.peer.name);
      if (peerNs && peer) {
        delete peer.peer;
        this.removeLink(peerNs, peer.name);
      }
    }
  }

  forgetAddressing(ns: NetState, dev: string): void {
    ns.addrs = ns.addrs.filter((a) => a.dev !== dev);
    ns.routes = ns.routes.filter((r) => r.dev !== dev);
  }

  addLoopbackAddrs(ns: NetState): void {
    if (!ns.addrs.some((a) => a.dev === 'lo')) {
      ns.addrs.push({ dev: 'lo', family: 4, address: '127.0.0.1', prefixLen: 8, scope: 254 }, { dev: 'lo', family: 6, address: '::1', prefixLen: 128, scope: 254 });
    }
  }

  /** Runs fn all-or-nothing over the whole model. */
  atomically<T>(fn: () => T): T {
    const saved = structuredClone(this.state);
    try {
      return fn();
    } catch (err) {
      this.state = saved;
      throw err;
    }
  }
}

/** A port leaving its bridge loses its port settings and its VLANs (nbp_vlan_flush). */
export function detachPort(port: FakeLink): void {
  Object.assign(port, { master: '', hairpin: false });
  delete port.vlans;
  delete port.pvid;
}

function nextFree(ns: NetState, taken: Set<number>): number {
  while (taken.has(ns.nextIndex)) ns.nextIndex++;
  return ns.nextIndex++;
}

let macCounter = 0;
/** A locally administered unicast MAC, as the kernel's eth_random_addr makes. */
export function randomMac(): string {
  macCounter = (macCounter + 1) & 0xffff;
  const bytes = [0x02, 0x5f, Math.floor(Math.random() * 256), Math.floor(Math.random() * 256), macCounter >> 8, macCounter & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
