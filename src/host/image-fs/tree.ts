// Creating and removing files by path, for code that writes out a tree it is handed (a layer
// being unpacked) and decides itself what goes where. Metadata that Node's fs cannot set, or
// not in one call, is FsMeta's (types.ts). Paths may be Buffers: names in images need not be
// UTF-8. Nothing here follows a symlink at the last component. Plain files of skiff's own
// (state, config, keys) go through Files (src/host/files) instead.
import { createWriteStream } from 'node:fs';
import { link, mkdir, rm, symlink, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { FsPath } from './types.js';

export interface FileTree {
  /** mkdir(2), mode less the umask. Rejects EEXIST, ENOENT (no parent), ENOTDIR. */
  mkdir(path: FsPath, mode: number): Promise<void>;
  /** Creates path exclusively (mode less the umask) holding data's bytes. Rejects EEXIST,
   *  ENOENT, or with data's error (the partial file is left for the caller's cleanup). */
  writeNew(path: FsPath, data: AsyncIterable<Buffer>, mode: number): Promise<void>;
  /** symlink(2): path pointing at target, which is not resolved. Rejects EEXIST, ENOENT. */
  symlink(target: Buffer, path: FsPath): Promise<void>;
  /** link(2): path as a second name of existing. Rejects EEXIST, ENOENT, EPERM (a directory). */
  link(existing: FsPath, path: FsPath): Promise<void>;
  /** Removes a directory and everything under it; succeeds when it is already gone. */
  removeTree(path: FsPath): Promise<void>;
  /** unlink(2). Rejects ENOENT, EISDIR. */
  unlink(path: FsPath): Promise<void>;
}

export const diskFileTree: FileTree = {
  mkdir: async (path, mode) => {
    await mkdir(path, { mode });
  },
  writeNew: (path, data, mode) => pipeline(data, createWriteStream(path, { flags: 'wx', mode })),
  symlink: (target, path) => symlink(target, path),
  link: (existing, path) => link(existing, path),
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  unlink: (path) => unlink(path),
};
