/** An absolute path: a string, or a Buffer of raw bytes for a name that is not UTF-8. */
export type FsPath = string | Buffer;

/** One metadata change to a path. None follows a symlink at the last component. */
export type FsMetaOp =
  | { op: 'mknod'; path: FsPath; type: 'char' | 'block' | 'fifo'; mode: number; major: number; minor: number }
  | { op: 'setxattr'; path: FsPath; name: string; value: Buffer }
  | { op: 'chown'; path: FsPath; uid: number; gid: number }
  /** Permission bits incl. setuid/setgid/sticky; never asked of a symlink. */
  | { op: 'chmod'; path: FsPath; mode: number }
  /** Nanoseconds since the epoch. */
  | { op: 'utimes'; path: FsPath; atimeNs: bigint; mtimeNs: bigint };

/**
 * What Node's fs cannot do (device nodes, fifos, xattrs) or cannot do in one call
 * (thousands of chown/chmod/utimes while unpacking a layer). Paths must be absolute.
 */
export interface FsMeta {
  /**
   * Applies ops in order, stopping at the first failure. Rejects with HostError (opIndex
   * set; the ops before it were applied): EEXIST (mknod over an existing path), ENOENT
   * (path or its parent missing), EPERM (mknod/chown without privilege, trusted.* xattr
   * as non-root), EOPNOTSUPP (xattrs unsupported by the filesystem), EINVAL
   * (syscall 'validate' for malformed input, before anything was applied).
   */
  apply(ops: readonly FsMetaOp[]): Promise<void>;
}
