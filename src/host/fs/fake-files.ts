// Files in memory, refusing what the kernel refuses: reading a missing file or a directory,
// writing into a missing directory, making a directory where a file is.
import { dirname } from 'node:path';
import { HostError } from '../errors.js';
import type { Files } from './files.js';

interface Entry { kind: 'file'; text: string; mode: number }
interface Dir { kind: 'dir'; mode: number }

export class FakeFiles implements Files {
  readonly #entries = new Map<string, Entry | Dir>([['/', { kind: 'dir', mode: 0o755 }]]);

  /** The mode a file or directory was made with, for tests of permissions. */
  modeOf(path: string): number | undefined {
    return this.#entries.get(path)?.mode;
  }

  async readText(path: string): Promise<string> {
    return this.readTextSync(path);
  }

  readTextSync(path: string): string {
    const e = this.#entries.get(path);
    if (!e) throw new HostError('ENOENT', `ENOENT: no such file or directory, open '${path}'`, 'open');
    if (e.kind === 'dir') throw new HostError('EISDIR', `EISDIR: illegal operation on a directory, read`, 'read', 21);
    return e.text;
  }

  async exists(path: string): Promise<boolean> {
    return this.#entries.has(path);
  }

  async makeDir(path: string, mode: number): Promise<void> {
    const e = this.#entries.get(path);
    if (e?.kind === 'dir') return;
    if (e) throw new HostError('EEXIST', `EEXIST: file already exists, mkdir '${path}'`, 'mkdir');
    await this.makeDir(dirname(path), mode).catch((err: HostError) => {
      throw err.code === 'EEXIST' ? new HostError('ENOTDIR', `ENOTDIR: not a directory, mkdir '${path}'`, 'mkdir') : err;
    });
    this.#entries.set(path, { kind: 'dir', mode });
  }

  async writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
    const parent = this.#entries.get(dirname(path));
    if (parent?.kind !== 'dir') throw new HostError(parent ? 'ENOTDIR' : 'ENOENT', `cannot write '${path}': no directory ${dirname(path)}`, 'open');
    if (this.#entries.get(path)?.kind === 'dir') throw new HostError('EISDIR', `EISDIR: rename onto a directory '${path}'`, 'rename', 21);
    this.#entries.set(path, { kind: 'file', text: data, mode });
  }
}
