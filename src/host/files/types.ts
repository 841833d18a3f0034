/** What a stat of a path says, for callers that decide by kind and ownership. */
export interface FileInfo {
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'other';
  /** Permission bits incl. setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Device number of a char or block device node (0 otherwise). */
  rdev: number;
}

/**
 * Plain files and directories of the runtime's own state (bundles, pod files, pid holder
 * rootfs): what the CRI runtime writes and deletes outside its record store. Paths are
 * absolute. Every method rejects with HostError carrying the errno name (ENOENT, EEXIST,
 * EACCES, ENOTDIR, EROFS...) and the syscall that failed.
 */
export interface Files {
  /** Creates a directory (mode before the umask). recursive: missing parents too, and an
   *  existing directory is success; otherwise EEXIST when the path exists. */
  mkdir(path: string, opts?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** Removes a file or a whole tree; succeeds when nothing is there. */
  remove(path: string): Promise<void>;
  /** The file's bytes as UTF-8 text. ENOENT when absent. */
  readText(path: string): Promise<string>;
  /** Replaces the file's content (created with mode before the umask when new). */
  write(path: string, data: string | Uint8Array, opts?: { mode?: number }): Promise<void>;
  /** Copies a file's content over to (which is replaced). */
  copy(from: string, to: string): Promise<void>;
  /** Sets the permission bits exactly (the umask does not apply). */
  chmod(path: string, mode: number): Promise<void>;
  /** Renames within one filesystem, replacing to atomically. */
  rename(from: string, to: string): Promise<void>;
  /** What is at path, following symlinks; undefined when nothing is (ENOENT, ENOTDIR). */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Whether something is at path, now: for start-up lookups (executables beside the build). */
  existsSync(path: string): boolean;
}
