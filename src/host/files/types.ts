/**
 * Reading configuration from disk: what the CNI side reads that is not its own store (the
 * config dir, resolv.conf for host-local's DNS, plugin executables on CNI_PATH). Real: Node's
 * fs. Fake: an in-memory tree whose writes wake watchers, so config reloads are tested without
 * a disk. Paths are absolute.
 */
export interface Files {
  /** The file as UTF-8. Rejects HostError ENOENT (missing), EISDIR (a directory), EACCES. */
  readText(path: string): Promise<string>;
  /** The names in dir, in no particular order. Rejects HostError ENOENT (missing), ENOTDIR. */
  list(dir: string): Promise<string[]>;
  /** Whether path is there and this process may execute it (access X_OK). Never rejects. */
  executable(path: string): Promise<boolean>;
  /**
   * Calls onChange after an entry of dir is added, removed or written (possibly more than once
   * per change). onError is called if the watch fails; no onChange follows it. Throws HostError
   * ENOENT when dir does not exist.
   */
  watch(dir: string, onChange: () => void, onError: (err: Error) => void): Watch;
}

export interface Watch {
  close(): void;
}
