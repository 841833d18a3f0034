/**
 * The netlink seam: links, addresses, routes and net sysctls of one network namespace,
 * changed in batches. Real: the addon (one thread, one setns, one netlink socket per batch).
 * Fake: an in-memory kernel model (fake.ts).
 *
 * Namespaces are named by the path of their pin (a bind-mounted nsfs file, see ../netns);
 * omitted means the namespace of the calling process.
 */

export type LinkKind = 'veth' | 'bridge' | 'vxlan';

export type NetOp =
  | {
      op: 'link.add';
      name: string;
      kind: LinkKind;
      mtu?: number;
      mac?: string;
      /** veth only: the other end, created directly inside `netns` when given. */
      peer?: { name: string; netns?: string; mac?: string };
      vxlan?: { id: number; local?: string; group?: string; port?: number; dev?: string; learning?: boolean };
      /** bridge only: VLAN filtering (IFLA_BR_VLAN_FILTERING); omitted leaves the kernel's default (off). */
      vlanFiltering?: boolean;
    }
  | { op: 'link.del'; name: string }
  | {
      op: 'link.set';
      name: string;
      up?: boolean;
      mtu?: number;
      mac?: string;
      /** Bridge to enslave to; null detaches. */
      master?: string | null;
      /** Moves the link into the namespace pinned at this path. */
      netns?: string;
      rename?: string;
      promisc?: boolean;
      /** Bridge-port hairpin mode (the link must have a bridge master). */
      hairpin?: boolean;
      /** VLAN filtering of a bridge (EOPNOTSUPP on any other kind of link). */
      vlanFiltering?: boolean;
    }
  | {
      /** `bridge vlan add|del dev <dev> vid <vid> [pvid] [untagged]`: a VLAN of a bridge port. Adding a
       *  VLAN the port has replaces its flags; pvid moves the port's PVID to it; deleting one it lacks
       *  succeeds. EOPNOTSUPP when dev has no bridge master. */
      op: 'bridge.vlan.add' | 'bridge.vlan.del';
      dev: string;
      /** 1..4094 */
      vid: number;
      /** Untagged frames arriving on the port join this VLAN (add only). */
      pvid?: boolean;
      /** Frames of this VLAN leave the port untagged (add only). */
      untagged?: boolean;
    }
  | { op: 'addr.add' | 'addr.del'; dev: string; /** '10.244.1.5/24', 'fd00::5/64' */ cidr: string; scope?: Scope; noDad?: boolean }
  | {
      op: 'route.add' | 'route.replace' | 'route.del';
      /** 'default', 'default6', or a network in CIDR form. */
      dst: string;
      via?: string;
      dev?: string;
      /** Default: 'link' for a device route without a gateway, 'universe' otherwise (as iproute2). */
      scope?: Scope;
      table?: number;
      metric?: number;
      src?: string;
    }
  | { op: 'sysctl.set'; /** 'net.ipv4.ip_forward' or 'net/ipv4/ip_forward' */ key: string; value: string };

export type Scope = 'universe' | 'site' | 'link' | 'host' | 'nowhere';

export interface Link {
  index: number;
  name: string;
  kind: LinkKind | string;
  mtu: number;
  mac: string;
  /** Name of the master (bridge), '' when none. */
  master: string;
  up: boolean;
  promisc: boolean;
  operstate: string;
  /** ifindex of the veth peer (in its own namespace) or the vxlan underlay; 0 when none. */
  parent: number;
  hairpin: boolean;
  /** Bridges only: whether the bridge filters by VLAN. */
  vlanFiltering?: boolean;
}

/** One VLAN of a bridge port, or of a bridge itself (its own "self" entry, dev = the bridge). */
export interface BridgeVlan {
  dev: string;
  vid: number;
  /** The port's PVID: untagged frames arriving there belong to this VLAN. */
  pvid: boolean;
  /** Frames of this VLAN leave the port untagged. */
  untagged: boolean;
}

export interface Addr {
  dev: string;
  family: 4 | 6;
  /** '10.244.1.5/24' */
  cidr: string;
  scope: Scope;
}

export interface Route {
  family: 4 | 6;
  /** 'default' / 'default6' or a CIDR. */
  dst: string;
  via: string;
  dev: string;
  scope: Scope;
  table: number;
  metric: number;
  src: string;
}

export interface RouteQuery {
  family?: 4 | 6;
  /** Default 254 (main); 0 lists every table. */
  table?: number;
}

export interface Netlink {
  /**
   * Applies ops in order inside the namespace. All or nothing: when an op fails, the ops
   * before it are taken back in reverse (links created are deleted, addresses and routes
   * added are removed, removed ones re-added, link settings and sysctls restored), then it
   * rejects with the HostError of the failing op (opIndex set). Two kinds of op cannot be
   * taken back, link.del and route.replace; a batch may hold them only as its last ops.
   *
   * Rejects with HostError: EINVAL (syscall 'validate') for malformed input before anything
   * is done; EEXIST (link, address or route exists); ENODEV (no such link); ESRCH (no such
   * route to delete); EADDRNOTAVAIL (no such address to delete); ENETUNREACH (gateway not
   * reachable); ENOENT (no such namespace or sysctl); EOPNOTSUPP (master is not a bridge;
   * vlanFiltering on a link that is not a bridge; a bridge.vlan op on a link that is not a
   * bridge port; and vlanFiltering or bridge.vlan.add on a kernel built without
   * CONFIG_BRIDGE_VLAN_FILTERING, such as this project's test VMs).
   */
  apply(ops: readonly NetOp[], netns?: string): Promise<void>;
  /** Lists links; ENOENT when the namespace does not exist. */
  links(netns?: string): Promise<Link[]>;
  /** Lists addresses (both families unless one is given). */
  addrs(netns?: string, family?: 4 | 6): Promise<Addr[]>;
  /** Lists routes of one table (main by default), without the kernel's local/broadcast entries. */
  routes(netns?: string, query?: RouteQuery): Promise<Route[]>;
  /**
   * Lists the VLANs of every bridge port and bridge, ordered by link index then vid. Every link
   * gets VLAN 1 as PVID, untagged, when it becomes a port (and a bridge when it is created);
   * empty on a kernel without VLAN filtering. ENOENT when the namespace does not exist.
   */
  bridgeVlans(netns?: string): Promise<BridgeVlan[]>;
}
