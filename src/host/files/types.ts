/** What a stat of a path says, for callers that decide by kind and ownership. */
export interface FileInfo {
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'socket' | 'other';
  /** Permission bits incl. setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Device number of a char or block device node (0 otherwise). */
  rdev: number;
}

/**
 * Plain files and directories: the CRI runtime's own state outside its record store (bundles,
 * pod files, pid holder rootfs), the CNI config dir and plugin cache, a server role's PKI,
 * keys, kubeconfig and token file. Data that changes while serving belongs in a store
 * (src/store, cri/state/store.ts); a layer's tree is FileTree's and its metadata FsMeta's.
 * Paths are absolute. Every method rejects with HostError carrying the errno name (ENOENT,
 * EEXIST, EACCES, ENOTDIR, EROFS...) and the syscall that failed.
 */
export interface Files {
  /** Creates a directory (mode before the umask). recursive: missing parents too, and an
   *  existing directory is success; otherwise EEXIST when the path exists. */
  mkdir(path: string, opts?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** Removes a file or a whole tree; succeeds when nothing is there. */
  remove(path: string): Promise<void>;
  /** The file's bytes as UTF-8 text. ENOENT when absent. */
  readText(path: string): Promise<string>;
  /** The same, for configuration read while a component is built. Throws as readText. */
  readTextSync(path: string): string;
  /** Replaces the file's content (created with mode before the umask when new). */
  write(path: string, data: string | Uint8Array, opts?: { mode?: number }): Promise<void>;
  /**
   * Replaces the file whole through a temp file in its directory, fsync and rename
   * (files/atomic.ts): readers and a crash see the old content or the new, never part of one.
   * The file then has mode (before the umask; 0666 when omitted), also when it existed.
   * ENOENT when the directory is missing, EISDIR when path is a directory; no temp file is
   * left on failure.
   */
  writeAtomic(path: string, data: string | Uint8Array, opts?: { mode?: number }): Promise<void>;
  /** Copies a file's content over to (which is replaced). */
  copy(from: string, to: string): Promise<void>;
  /** Sets the permission bits exactly (the umask does not apply). */
  chmod(path: string, mode: number): Promise<void>;
  /** Renames within one filesystem, replacing to atomically. */
  rename(from: string, to: string): Promise<void>;
  /** What is at path, following symlinks; undefined when nothing is (ENOENT, ENOTDIR); ELOOP rejects. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Whether something is at path, now: for start-up lookups (executables beside the build). */
  existsSync(path: string): boolean;
  /** The names in a directory, in no particular order. ENOENT when absent, ENOTDIR for a file. */
  list(dir: string): Promise<string[]>;
  /** What is at path itself: a symlink is reported as one, not followed. undefined as stat. */
  lstat(path: string): Promise<FileInfo | undefined>;
  /** Makes path a symlink holding target (not checked: it may dangle). EEXIST when path exists. */
  symlink(target: string, path: string): Promise<void>;
  /** The target a symlink holds. ENOENT when absent, EINVAL when path is not a symlink. */
  readlink(path: string): Promise<string>;
  /** The absolute path with every symlink resolved. ENOENT when it or a link on the way dangles, ELOOP. */
  realpath(path: string): Promise<string>;
  /** Changes owner and group of path itself, not of a symlink's target (lchown); -1 keeps one. */
  lchown(path: string, uid: number, gid: number): Promise<void>;
  /** Whether path is there and this process may execute it (access X_OK). Never rejects. */
  executable(path: string): Promise<boolean>;
  /**
   * Calls onChange after an entry of dir is added, removed or written (possibly more than once
   * per change): the CNI config dir is reloaded only then. onError is called if the watch
   * fails; no onChange follows it. Throws HostError ENOENT when dir does not exist.
   */
  watch(dir: string, onChange: () => void, onError: (err: Error) => void): Watch;
}

export interface Watch {
  close(): void;
}
