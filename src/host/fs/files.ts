// Small files a server role keeps or reads at start: its PKI, signing keys, kubeconfig, a
// token file, its own package.json. Whole-file reads and atomic whole-file writes only; data
// that changes while serving belongs in a store (src/store, cri/state/store.ts).
import { readFileSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { toHostError } from '../errors.js';

export interface Files {
  /** The file's UTF-8 text. Rejects with HostError ENOENT (missing), EACCES, EISDIR... */
  readText(path: string): Promise<string>;
  /** The same, for configuration read while building a component. Throws HostError as readText. */
  readTextSync(path: string): string;
  /** Whether something exists at path. Never rejects. */
  exists(path: string): Promise<boolean>;
  /** Creates path and missing parents with mode; an existing directory is fine. Rejects with HostError ENOTDIR, EACCES... */
  makeDir(path: string, mode: number): Promise<void>;
  /**
   * Replaces path with data (mode for the new file) through `<path>.tmp` and a rename: readers
   * and a crash see the old content or the new, never part of one. Rejects with HostError
   * ENOENT when the directory is missing (the temp file is removed on failure).
   */
  writeFileAtomic(path: string, data: string, mode: number): Promise<void>;
}

const hostErrors = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    throw toHostError(err);
  }
};

export const realFiles: Files = {
  readText: (path) => hostErrors(() => readFile(path, 'utf8')),
  readTextSync(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw toHostError(err);
    }
  },
  exists: (path) => access(path).then(() => true, () => false),
  makeDir: (path, mode) => hostErrors(async () => { await mkdir(path, { recursive: true, mode }); }),
  writeFileAtomic: (path, data, mode) => hostErrors(async () => {
    const tmp = `${path}.tmp`;
    try {
      await writeFile(tmp, data, { mode });
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }),
};
