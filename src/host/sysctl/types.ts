/**
 * Kernel parameters under /proc/sys. Keys in dotted ('net.ipv4.ip_forward') or slash form;
 * net.* keys are per network namespace and are read and written from inside it.
 */
export interface Sysctl {
  /** Rejects with HostError ENOENT for an unknown key (or namespace), EINVAL for a malformed key. */
  get(key: string, netns?: string): Promise<string>;
  /** Rejects with ENOENT for an unknown key, EINVAL when the kernel refuses the value. */
  set(key: string, value: string, netns?: string): Promise<void>;
}
