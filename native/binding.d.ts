// Hand-typed surface of build/Release/skiff.node (see native/README.md).
// Only src/host/native.ts loads the addon; everything else imports the host seams.
//
// Every async primitive runs on a thread of its own (never the JS thread, never libuv's
// pool) and rejects with a NativeError. Validation and policy live in TypeScript: the addon
// takes what it is given and lets the kernel judge it.

/** Rejection of every primitive: a plain Error with the kernel's verdict attached. */
export interface NativeError extends Error {
  /** errno name as the kernel reports it: 'EEXIST', 'ENODEV', 'ENOENT', 'EINVAL'... */
  code: string;
  /** Positive errno value. */
  errno: number;
  /** What failed: 'netlink', 'setns', 'unshare', 'open', 'write', 'read', 'mount', 'umount2', 'fsopen',
   *  'fsconfig', 'fsmount', 'move_mount', 'inet_pton', 'ether_aton', 'sethostname', 'prctl', ...;
   *  'args' when an argument has the wrong type (rejected, never thrown synchronously). */
  syscall: string;
  /** For nsApply: index of the op that failed; ops before it were applied, none after. */
  opIndex?: number;
  /** For nsApply: results of the ops before opIndex (so a caller can take them back). */
  results?: NativeResult[];
}

/** Addresses are textual (inet_pton form, v4 or v6); link names are names in the namespace the batch runs in. */
export type NativeOp =
  | {
      op: 'linkAdd';
      name: string;
      kind: 'veth' | 'bridge' | 'vxlan';
      mtu?: number;
      mac?: string; // 'aa:bb:cc:dd:ee:ff'
      // veth only
      peerName?: string;
      peerNetns?: string; // path of a pinned netns: the peer is created directly there
      peerMac?: string;
      // vxlan only
      vxlanId?: number;
      vxlanLocal?: string;
      vxlanGroup?: string; // multicast group or unicast remote (IFLA_VXLAN_GROUP/GROUP6)
      vxlanPort?: number; // host order; sent big-endian
      vxlanDev?: string; // underlay link name
      vxlanLearning?: boolean;
      // bridge only: IFLA_INFO_DATA { IFLA_BR_VLAN_FILTERING } (sent only when given)
      vlanFiltering?: boolean;
    }
  | { op: 'linkDel'; name: string }
  | {
      op: 'linkSet';
      name: string;
      up?: boolean;
      mtu?: number;
      mac?: string;
      master?: string; // bridge name; '' detaches (nomaster)
      netns?: string; // path of a pinned netns to move the link into
      newName?: string;
      promisc?: boolean;
      hairpin?: boolean; // bridge port mode (IFLA_BRPORT_MODE), link must be enslaved
      vlanFiltering?: boolean; // bridge only: RTM_NEWLINK with IFLA_LINKINFO { kind bridge, IFLA_BR_VLAN_FILTERING }
    }
  | {
      // `bridge vlan add|del dev X vid N [pvid] [untagged]`: RTM_SETLINK / RTM_DELLINK, family AF_BRIDGE,
      // IFLA_AF_SPEC { IFLA_BRIDGE_VLAN_INFO }, handled by the port's master (EOPNOTSUPP without one).
      op: 'bridgeVlanAdd' | 'bridgeVlanDel';
      dev: string;
      vid: number; // < 65536, else rejected as 'args'; the kernel refuses 0 and >= 4095 with EINVAL
      pvid?: boolean; // BRIDGE_VLAN_INFO_PVID
      untagged?: boolean; // BRIDGE_VLAN_INFO_UNTAGGED
    }
  | {
      op: 'addrAdd' | 'addrDel';
      dev: string;
      address: string;
      prefixLen: number;
      scope?: number; // RT_SCOPE_*, default universe
      broadcast?: string; // v4 only
      noDad?: boolean; // v6: IFA_F_NODAD
    }
  | {
      op: 'routeAdd' | 'routeReplace' | 'routeDel';
      family: 4 | 6;
      dst: string; // network address; '' means default route
      dstLen: number;
      gateway?: string;
      dev?: string;
      scope?: number; // default RT_SCOPE_UNIVERSE
      table?: number; // default RT_TABLE_MAIN (254)
      metric?: number; // RTA_PRIORITY
      src?: string; // RTA_PREFSRC
      protocol?: number; // default RTPROT_BOOT (3) for add/replace, unspecified for del, as iproute2
    }
  | { op: 'sysctlSet'; path: string; value: string } // path relative to /proc/sys, '/'-separated
  | { op: 'sysctlGet'; path: string }
  | { op: 'linkList' }
  | { op: 'addrList'; family?: 0 | 4 | 6 }
  | { op: 'routeList'; family?: 0 | 4 | 6; table?: number } // table 0 or absent = all tables
  | { op: 'bridgeVlanList' }; // RTM_GETLINK dump, family AF_BRIDGE, IFLA_EXT_MASK RTEXT_FILTER_BRVLAN

export interface NativeLink {
  index: number;
  name: string;
  kind: string; // IFLA_INFO_KIND ('veth', 'bridge', 'vxlan'...), '' when none (lo, physical)
  mtu: number;
  mac: string; // lower-case 'aa:bb:..' as the kernel reports it (lo: all zeros), '' when it sends none
  master: number; // ifindex of the master, 0 when none
  operstate: string; // 'UP' | 'DOWN' | 'UNKNOWN' | 'LOWERLAYERDOWN' | 'DORMANT' | 'NOTPRESENT' | 'TESTING'
  flags: number; // IFF_* (IFF_UP = 1, IFF_PROMISC = 0x100)
  parent: number; // IFLA_LINK (veth peer ifindex), else IFLA_VXLAN_LINK (vxlan underlay), 0 when absent
  hairpin?: boolean; // bridge ports only: IFLA_BRPORT_MODE from IFLA_INFO_SLAVE_DATA of the dump
  vlanFiltering?: boolean; // bridges only: IFLA_BR_VLAN_FILTERING from IFLA_INFO_DATA (false when absent)
}

/** One VLAN of a bridge port, or of a bridge itself ("self"); one entry per vid, ranges expanded. */
export interface NativeBridgeVlan {
  index: number; // ifindex of the port (or bridge)
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface NativeAddr {
  index: number;
  family: 4 | 6;
  address: string;
  prefixLen: number;
  scope: number;
  flags: number; // IFA_F_*
}

export interface NativeRoute {
  family: 4 | 6;
  dst: string; // '' for default
  dstLen: number;
  gateway: string; // '' when none
  oif: number; // 0 when none
  src: string; // '' when none
  scope: number;
  table: number;
  metric: number;
  protocol: number;
  type: number; // RTN_* (1 unicast, 2 local, 3 broadcast...)
}

/** Result of one op: undefined for mutations, a string for sysctlGet, arrays for the list ops. */
export type NativeResult = undefined | string | NativeLink[] | NativeAddr[] | NativeRoute[] | NativeBridgeVlan[];

/** File metadata ops for fsApply; none follows a symlink at the last component (chmod is
 *  never asked of one). Nanoseconds are bigint or a decimal string (they exceed 2^53). A path
 *  is a string (UTF-8) or a Buffer of raw bytes (file names from a layer need not be UTF-8). */
export type NativeFsOp =
  | { op: 'mknod'; path: string | Buffer; mode: number; major: number; minor: number } // mode includes S_IFCHR/S_IFBLK/S_IFIFO
  | { op: 'lsetxattr'; path: string | Buffer; name: string; value: Buffer | string }
  | { op: 'lchown'; path: string | Buffer; uid: number; gid: number }
  | { op: 'chmod'; path: string | Buffer; mode: number } // permission bits incl. setuid/setgid/sticky
  | { op: 'lutimes'; path: string | Buffer; atimeNs: bigint | string; mtimeNs: bigint | string };

export interface Binding {
  /**
   * Runs ops in order on a dedicated thread that has entered the netns pinned at netnsPath
   * (the caller's own netns when null), with one netlink socket opened in that netns, then
   * returns the thread to its original netns. Stops at the first failing op and rejects
   * with opIndex set. Rejects with ENOENT/syscall 'open' when the pin does not exist.
   */
  nsApply(netnsPath: string | null, ops: readonly NativeOp[]): Promise<NativeResult[]>;

  /**
   * Creates fresh namespaces (unshare on a dedicated thread) and pins each at its path by a
   * bind mount of /proc/thread-self/ns/<kind> onto a newly created empty file (O_EXCL: EEXIST
   * when the path exists). hostname is set inside the new UTS namespace. All-or-nothing:
   * on failure every pin made so far is unmounted and unlinked.
   */
  nsPin(net: string | null, ipc: string | null, uts: string | null, hostname: string | null): Promise<void>;

  /** Unmounts (MNT_DETACH) and unlinks a pin. Succeeds when it is already gone or not mounted. */
  nsUnpin(path: string): Promise<void>;

  /** mount(2) as is. flags from MS. */
  mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): Promise<void>;

  /**
   * Overlay mount with any number of lower dirs (first = top). Uses the new mount API with
   * one `lowerdir+` per layer where the kernel has it (6.8+), so the 4 KiB option limit of
   * mount(2) does not apply; falls back to mount(2) otherwise. upper/work both null = read-only.
   */
  mountOverlay(target: string, lowerdirs: readonly string[], upperdir: string | null, workdir: string | null, flags: number): Promise<void>;

  /** umount2(2) as is. flags from MNT. */
  umount(target: string, flags: number): Promise<void>;

  /**
   * Runs file metadata ops in order on a dedicated thread, stopping at the first failure:
   * rejects with opIndex set (ops before it were applied) and syscall 'mknod', 'lsetxattr',
   * 'lchown', 'chmod' or 'utimensat'.
   */
  fsApply(ops: readonly NativeFsOp[]): Promise<void>;

  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process. */
  setChildSubreaper(): void;

  /**
   * Connects an AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket) to path, through
   * /proc/self/fd/<dir>/<name> so paths beyond sun_path's 108 bytes work; resolves with the
   * fd (O_CLOEXEC, blocking: use it only through fdRecv/fdSend). Rejects ENOENT/ECONNREFUSED
   * (syscall 'connect') when nobody listens there, ENOENT (syscall 'open') without the directory.
   */
  seqpacketConnect(path: string): Promise<number>;

  /**
   * One recv(2) on a thread of its own: one whole packet (cut to max bytes), or null at end of
   * stream (the peer closed, or fdShutdown(fd, 'read'|'both') woke it). Rejects with syscall 'recv'.
   * Close fd only after every fdRecv/fdSend on it has settled.
   */
  fdRecv(fd: number, max: number): Promise<Buffer | null>;

  /** One send(2) of data as one packet (MSG_NOSIGNAL) on a thread of its own. Rejects EPIPE after a shutdown. */
  fdSend(fd: number, data: Buffer): Promise<void>;

  /** shutdown(2), synchronous (it never blocks). Throws ENOTCONN/EBADF/ENOTSOCK as the kernel says. */
  fdShutdown(fd: number, how: 'read' | 'write' | 'both'): void;

  /**
   * A new pseudo-terminal pair (posix_openpt, grantpt, unlockpt, open of the slave), both
   * O_CLOEXEC|O_NOCTTY, the slave in raw mode (cfmakeraw: no echo, no output processing).
   * Synchronous; throws.
   */
  openPty(): { master: number; slave: number };

  /** ioctl(fd, TIOCSWINSZ) with rows/cols (< 65536). Synchronous; throws ENOTTY for a non-terminal. */
  setWinsize(fd: number, rows: number, cols: number): void;

  readonly MS: {
    readonly RDONLY: number; readonly NOSUID: number; readonly NODEV: number; readonly NOEXEC: number;
    readonly REMOUNT: number; readonly BIND: number; readonly MOVE: number; readonly REC: number;
    readonly PRIVATE: number; readonly SLAVE: number; readonly SHARED: number; readonly UNBINDABLE: number;
    readonly NOATIME: number; readonly RELATIME: number; readonly STRICTATIME: number;
  };
  readonly MNT: { readonly FORCE: number; readonly DETACH: number; readonly EXPIRE: number; readonly NOFOLLOW: number };
}
