/**
 * Read-only access to the files of installed npm packages, for data that ships as package
 * files rather than as modules (kubernetes-models' schemas live only in its .d.ts text).
 */
export interface PackageFiles {
  /**
   * Paths (relative to the package root, '/'-separated, sorted) of every file under `dir`
   * (package-relative, '' for the root), skipping nested node_modules. Throws an Error when
   * the package is not installed or `dir` does not exist.
   */
  list(pkg: string, dir?: string): string[];
  /** The UTF-8 text of one file; undefined when it does not exist. Throws for other read errors. */
  read(pkg: string, path: string): string | undefined;
}
