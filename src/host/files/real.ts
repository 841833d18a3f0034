import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isNotFound, toHostError } from '../errors.js';
import type { FileInfo, Files } from './types.js';

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

  async write(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    await host(writeFile(path, data, opts.mode !== undefined ? { mode: opts.mode } : {}));
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

  existsSync(path: string): boolean {
    return existsSync(path);
  }
}

async function host<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw toHostError(err);
  }
}

function infoOf(st: Stats): FileInfo {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
  return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, rdev: st.rdev };
}
