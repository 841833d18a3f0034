/**
 * The netns seam: namespaces are created by unshare on a thread of the addon and kept
 * alive by pins (an empty file with the nsfs file bind-mounted on it), the way `ip netns
 * add` and CRI-O's pinns do. Everything else names a namespace by its pin path.
 */
export interface NamespacePins {
  net?: string;
  ipc?: string;
  uts?: string;
  /** Set inside the new UTS namespace (needs `uts`). */
  hostname?: string;
}

export interface Netns {
  /**
   * Creates a fresh namespace of each requested kind and pins it. All or nothing.
   * Rejects with HostError EEXIST when a pin path exists, ENOENT when its directory is
   * missing (the real implementation creates the directory first), EINVAL for bad input.
   */
  create(pins: NamespacePins): Promise<void>;
  /** Unpins; the namespace dies with its last user. Succeeds when the pin is already gone. */
  remove(path: string): Promise<void>;
  /** Whether a namespace is pinned at path. */
  exists(path: string): Promise<boolean>;
}
