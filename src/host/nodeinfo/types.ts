/**
 * What the kubelet reports about the machine it runs on (upstream: cadvisor's MachineInfo and
 * VersionInfo, statfs of the kubelet's root dir, the root cgroup's memory). Read through this
 * seam so the Node's status is a pure function of these facts, tested on the fake.
 */
export interface MachineFacts {
  /** `uname -r`. */
  kernelVersion: string;
  /** PRETTY_NAME of /etc/os-release; 'Linux' when there is none (as cadvisor). */
  osImage: string;
  /** GOOS spelling: 'linux'. */
  operatingSystem: string;
  /** GOARCH spelling: 'amd64', 'arm64'... */
  architecture: string;
  /** /etc/machine-id (or /var/lib/dbus/machine-id); '' when neither is readable. */
  machineID: string;
  /** /sys/class/dmi/id/product_uuid; '' where the machine has no DMI (VMs such as Firecracker). */
  systemUUID: string;
  /** /proc/sys/kernel/random/boot_id: changes on every boot. */
  bootID: string;
  /** Logical CPUs. */
  cpus: number;
  /** MemTotal of /proc/meminfo, in bytes. */
  memoryBytes: number;
}

/** statfs of one filesystem, in bytes and inodes. */
export interface FsStats {
  capacityBytes: number;
  /** Free for unprivileged users (f_bavail), what `df` shows as available. */
  availableBytes: number;
  inodes: number;
  inodesFree: number;
}

export interface NodeInfo {
  /** Rejects with HostError when /proc is unreadable; missing optional files give ''. */
  machine(): Promise<MachineFacts>;
  /** The filesystem holding path. Rejects with HostError ENOENT when path does not exist. */
  filesystem(path: string): Promise<FsStats>;
  /**
   * The node's memory working set in bytes, as the eviction signal memory.available counts it:
   * the root cgroup's usage minus its inactive file pages. Rejects with HostError.
   */
  memoryWorkingSetBytes(): Promise<number>;
  /**
   * IPv4 addresses (without prefix) of the interface the default IPv4 route leaves through,
   * the primary one first; [] when there is no default route. Rejects with HostError.
   */
  defaultRouteIPv4(): Promise<string[]>;
}
