/** Mount propagation of a mount point ('r' = recursively to its submounts). */
export type Propagation = 'private' | 'rprivate' | 'slave' | 'rslave' | 'shared' | 'rshared' | 'unbindable' | 'runbindable';

export interface BindOptions {
  /** Also bind the submounts of source (MS_REC). */
  recursive?: boolean;
  readonly?: boolean;
  propagation?: Propagation;
  nosuid?: boolean;
  nodev?: boolean;
  noexec?: boolean;
}

export interface OverlayOptions {
  /** Lower directories, topmost first; any number (the kernel's option page limit does not apply). */
  lower: readonly string[];
  /** Both or neither: without them the overlay is read-only. */
  upper?: string;
  work?: string;
  readonly?: boolean;
}

export interface TmpfsOptions {
  /** Bytes, or a tmpfs size string ('64m', '50%'). */
  size?: number | string;
  /** Octal mode of the root, e.g. 0o1777. */
  mode?: number;
  nosuid?: boolean;
  nodev?: boolean;
  noexec?: boolean;
}

export interface MountEntry {
  target: string;
  fstype: string;
  source: string;
}

/**
 * Mounts in the caller's mount namespace. Paths must be absolute.
 * Rejections are HostError: ENOENT (target, source or a lower dir missing), ENOTDIR,
 * EINVAL (not a mount point on unmount; malformed input, syscall 'validate'), EBUSY
 * (unmount of a mount with submounts or open files, without detach), EPERM.
 */
export interface Mounter {
  bind(source: string, target: string, options?: BindOptions): Promise<void>;
  overlay(target: string, options: OverlayOptions): Promise<void>;
  tmpfs(target: string, options?: TmpfsOptions): Promise<void>;
  /** Changes the propagation of an existing mount point. */
  propagate(target: string, propagation: Propagation): Promise<void>;
  /** Unmounts the top mount at target; detach = lazily (MNT_DETACH), with its submounts. */
  unmount(target: string, options?: { detach?: boolean }): Promise<void>;
  /** Mounts at or below prefix, outermost first. */
  list(prefix?: string): Promise<MountEntry[]>;
}
