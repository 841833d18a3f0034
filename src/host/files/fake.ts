import { dirname } from 'node:path';
import { HostError } from '../errors.js';
import type { FileInfo, Files, Watch } from './types.js';

interface Node {
  kind: 'file' | 'dir';
  mode: number;
  data: Uint8Array;
}

const UMASK = 0o022;

/**
 * An in-memory tree with the errors the kernel gives: a missing parent is ENOENT, a file
 * where a directory is needed ENOTDIR, a directory where a file is needed EISDIR, an
 * existing path EEXIST. Starts with `/` only; modes are cut by a 022 umask on creation as
 * on a default system. A change in a directory wakes its watchers, as inotify would.
 */
export class FakeFiles implements Files {
  private readonly nodes = new Map<string, Node>([['/', { kind: 'dir', mode: 0o755, data: new Uint8Array() }]]);
  private readonly watchers = new Map<string, Set<() => void>>();

  async mkdir(path: string, opts: { recursive?: boolean; mode?: number } = {}): Promise<void> {
    const mode = (opts.mode ?? 0o777) & ~UMASK;
    const existing = this.nodes.get(path);
    if (existing) {
      if (opts.recursive && existing.kind === 'dir') return;
      throw fail('EEXIST', 'mkdir', path);
    }
    // A file on the way is ENOTDIR, as the kernel says for the component it cannot walk.
    if (opts.recursive && path !== '/' && !this.nodes.has(dirname(path))) await this.mkdir(dirname(path), { recursive: true, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
    this.parentDir(path, 'mkdir');
    this.nodes.set(path, { kind: 'dir', mode, data: new Uint8Array() });
    this.wake(path);
  }

  async remove(path: string): Promise<void> {
    const had = this.nodes.has(path);
    for (const p of [...this.nodes.keys()]) if (p === path || p.startsWith(`${path}/`)) this.nodes.delete(p);
    if (had) this.wake(path);
  }

  async readText(path: string): Promise<string> {
    return this.readTextSync(path);
  }

  readTextSync(path: string): string {
    return new TextDecoder().decode(this.file(path, 'open').data);
  }

  async write(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
    const existing = this.nodes.get(path);
    if (existing?.kind === 'dir') throw fail('EISDIR', 'open', path);
    this.parentDir(path, 'open');
    this.nodes.set(path, { kind: 'file', mode: existing?.mode ?? (opts.mode ?? 0o666) & ~UMASK, data: bytes });
    this.wake(path);
  }

  /** One step, so nobody sees part of it; the new file's mode replaces the old one's, as the
   *  renamed temp file's does. */
  async writeAtomic(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
    if (this.nodes.get(path)?.kind === 'dir') throw fail('EISDIR', 'rename', path);
    this.parentDir(path, 'open');
    this.nodes.set(path, { kind: 'file', mode: (opts.mode ?? 0o666) & ~UMASK, data: bytes });
    this.wake(path);
  }

  async copy(from: string, to: string): Promise<void> {
    const src = this.file(from, 'copyfile');
    await this.write(to, src.data, { mode: src.mode });
  }

  async chmod(path: string, mode: number): Promise<void> {
    this.existing(path, 'chmod').mode = mode & 0o7777;
  }

  async rename(from: string, to: string): Promise<void> {
    const node = this.existing(from, 'rename');
    this.parentDir(to, 'rename');
    if (node.kind === 'dir') {
      for (const [p, n] of [...this.nodes]) if (p.startsWith(`${from}/`)) {
        this.nodes.delete(p);
        this.nodes.set(to + p.slice(from.length), n);
      }
    }
    this.nodes.delete(from);
    this.nodes.set(to, node);
    this.wake(from);
    this.wake(to);
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const node = this.nodes.get(path);
    return node && { kind: node.kind, mode: node.mode, uid: 0, gid: 0, rdev: 0 };
  }

  existsSync(path: string): boolean {
    return this.nodes.has(path);
  }

  async list(dir: string): Promise<string[]> {
    const node = this.existing(dir, 'scandir');
    if (node.kind !== 'dir') throw fail('ENOTDIR', 'scandir', dir);
    return [...this.nodes.keys()].filter((p) => p !== dir && dirname(p) === dir).map((p) => p.slice(dir === '/' ? 1 : dir.length + 1));
  }

  async executable(path: string): Promise<boolean> {
    const node = this.nodes.get(path);
    return node !== undefined && (node.mode & 0o111) !== 0;
  }

  watch(dir: string, onChange: () => void): Watch {
    const node = this.existing(dir, 'watch');
    if (node.kind !== 'dir') throw fail('ENOTDIR', 'watch', dir);
    let set = this.watchers.get(dir);
    if (!set) this.watchers.set(dir, (set = new Set()));
    const w = () => onChange();
    set.add(w);
    return { close: () => set.delete(w) };
  }

  /** Something in path's directory changed. */
  private wake(path: string): void {
    for (const w of this.watchers.get(dirname(path)) ?? []) w();
  }

  private existing(path: string, syscall: string): Node {
    const node = this.nodes.get(path);
    if (!node) throw fail(this.missing(path), syscall, path);
    return node;
  }

  /** Why path is absent: a file on the way is ENOTDIR, else ENOENT. */
  private missing(path: string): 'ENOENT' | 'ENOTDIR' {
    for (let p = dirname(path); ; p = dirname(p)) {
      const node = this.nodes.get(p);
      if (node) return node.kind === 'file' ? 'ENOTDIR' : 'ENOENT';
      if (p === '/') return 'ENOENT';
    }
  }

  private file(path: string, syscall: string): Node {
    const node = this.existing(path, syscall);
    if (node.kind === 'dir') throw fail('EISDIR', syscall, path);
    return node;
  }

  private parentDir(path: string, syscall: string): void {
    const parent = this.nodes.get(dirname(path));
    if (!parent) throw fail(this.missing(dirname(path)), syscall, path);
    if (parent.kind !== 'dir') throw fail('ENOTDIR', syscall, path);
  }
}

function fail(code: string, syscall: string, path: string): HostError {
  return new HostError(code, `${code}: ${syscall} '${path}'`, syscall);
}
