import { existsSync, readFileSync, watch as fsWatch } from 'node:fs';
import { access, chmod, constants, copyFile, lchown, lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isNotFound, toHostError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { FileInfo, Files, Watch } from './types.js';

/** Node's fs, with its errors as HostError. */
export class RealFiles implements Files {
  async mkdir(path: string, opts: { recursive?: boolean; mode?: number } = {}): Promise<void> {
    await host(mkdir(path, { recursive: opts.recursive ?? false, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) }));
  }

  async remove(path: string): Promise<void> {
    await host(rm(path, { recursive: true, force: true }));
  }

  readText(path: string): Promise<string> {
    return host(readFile(path, 'utf8'));
  }

  readTextSync(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw toHostError(err);
    }
  }

  async write(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    await host(writeFile(path, data, opts.mode !== undefined ? { mode: opts.mode } : {}));
  }

  writeAtomic(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    return host(writeFileAtomic(path, data, opts.mode));
  }

  copy(from: string, to: string): Promise<void> {
    return host(copyFile(from, to));
  }

  chmod(path: string, mode: number): Promise<void> {
    return host(chmod(path, mode));
  }

  rename(from: string, to: string): Promise<void> {
    return host(rename(from, to));
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    try {
      return infoOf(await stat(path));
    } catch (err) {
      if (isNotFound(err) || (err as { code?: unknown }).code === 'ENOTDIR') return undefined;
      throw toHostError(err);
    }
  }

  async lstat(path: string): Promise<FileInfo | undefined> {
    try {
      return infoOf(await lstat(path));
    } catch (err) {
      if (isNotFound(err) || (err as { code?: unknown }).code === 'ENOTDIR') return undefined;
      throw toHostError(err);
    }
  }

  symlink(target: string, path: string): Promise<void> {
    return host(symlink(target, path));
  }

  readlink(path: string): Promise<string> {
    return host(readlink(path));
  }

  realpath(path: string): Promise<string> {
    return host(realpath(path));
  }

  lchown(path: string, uid: number, gid: number): Promise<void> {
    return host(lchown(path, uid, gid));
  }

  existsSync(path: string): boolean {
    return existsSync(path);
  }

  list(dir: string): Promise<string[]> {
    return host(readdir(dir));
  }

  executable(path: string): Promise<boolean> {
    return access(path, constants.X_OK).then(() => true, () => false);
  }

  watch(dir: string, onChange: () => void, onError: (err: Error) => void): Watch {
    try {
      // Not persistent: a watch alone must not keep a server role's process alive.
      const w = fsWatch(dir, { persistent: false }, () => onChange());
      w.on('error', (err) => onError(err));
      return { close: () => w.close() };
    } catch (err) {
      throw toHostError(err);
    }
  }
}

/** The one real instance, for defaults where a caller passes none. */
export const realFiles: Files = new RealFiles();

async function host<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw toHostError(err);
  }
}

function infoOf(st: Stats): FileInfo {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isSocket() ? 'socket' : 'other';
  return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, rdev: st.rdev };
}
