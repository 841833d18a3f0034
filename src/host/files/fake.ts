import { dirname, join } from 'node:path';
import { HostError } from '../errors.js';
import type { FileInfo, Files, Watch } from './types.js';

interface Node {
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  data: Uint8Array;
  /** A symlink's target. */
  target?: string;
  uid?: number;
  gid?: number;
}

/** Symlinks followed in one lookup before ELOOP, as Linux's MAXSYMLINKS. */
const MAX_LINKS = 40;

const UMASK = 0o022;

/**
 * An in-memory tree with the errors the kernel gives: a missing parent is ENOENT, a file
 * where a directory is needed ENOTDIR, a directory where a file is needed EISDIR, an
 * existing path EEXIST. Starts with `/` only; modes are cut by a 022 umask on creation as
 * on a default system. A change in a directory wakes its watchers, as inotify would.
 * Symlinks are followed on the way to every path, and at its end except where the call acts on
 * the link itself (lstat, readlink, symlink, lchown, remove, rename), with ELOOP after 40.
 */
export class FakeFiles implements Files {
  private readonly nodes = new Map<string, Node>([['/', { kind: 'dir', mode: 0o755, data: new Uint8Array() }]]);
  private readonly watchers = new Map<string, Set<() => void>>();

  async mkdir(path: string, opts: { recursive?: boolean; mode?: number } = {}): Promise<void> {
    path = this.resolve(path, false);
    const mode = (opts.mode ?? 0o777) & ~UMASK;
    const existing = this.nodes.get(path);
    if (existing) {
      if (opts.recursive && this.nodes.get(this.tryResolve(path))?.kind === 'dir') return;
      throw fail('EEXIST', 'mkdir', path);
    }
    // A file on the way is ENOTDIR, as the kernel says for the component it cannot walk.
    if (opts.recursive && path !== '/' && !this.nodes.has(dirname(path))) await this.mkdir(dirname(path), { recursive: true, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
    this.parentDir(path, 'mkdir');
    this.nodes.set(path, { kind: 'dir', mode, data: new Uint8Array() });
    this.wake(path);
  }

  async remove(path: string): Promise<void> {
    path = this.resolve(path, false);
    const had = this.nodes.has(path);
    for (const p of [...this.nodes.keys()]) if (p === path || p.startsWith(`${path}/`)) this.nodes.delete(p);
    if (had) this.wake(path);
  }

  async readText(path: string): Promise<string> {
    return this.readTextSync(path);
  }

  readTextSync(path: string): string {
    path = this.resolve(path, true);
    return new TextDecoder().decode(this.file(path, 'open').data);
  }

  async write(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
    path = this.resolve(path, true);
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
    path = this.resolve(path, false);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
    if (this.nodes.get(path)?.kind === 'dir') throw fail('EISDIR', 'rename', path);
    this.parentDir(path, 'open');
    this.nodes.set(path, { kind: 'file', mode: (opts.mode ?? 0o666) & ~UMASK, data: bytes });
    this.wake(path);
  }

  async copy(from: string, to: string): Promise<void> {
    const src = this.file(this.resolve(from, true), 'copyfile');
    await this.write(to, src.data, { mode: src.mode });
  }

  async chmod(path: string, mode: number): Promise<void> {
    path = this.resolve(path, true);
    this.existing(path, 'chmod').mode = mode & 0o7777;
  }

  async rename(from: string, to: string): Promise<void> {
    [from, to] = [this.resolve(from, false), this.resolve(to, false)];
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
    return this.info(this.nodes.get(this.resolve(path, true)));
  }

  async lstat(path: string): Promise<FileInfo | undefined> {
    return this.info(this.nodes.get(this.resolve(path, false)));
  }

  async symlink(target: string, path: string): Promise<void> {
    path = this.resolve(path, false);
    if (this.nodes.has(path)) throw fail('EEXIST', 'symlink', path);
    this.parentDir(path, 'symlink');
    this.nodes.set(path, { kind: 'symlink', mode: 0o777, data: new Uint8Array(), target });
    this.wake(path);
  }

  async readlink(path: string): Promise<string> {
    path = this.resolve(path, false);
    const node = this.existing(path, 'readlink');
    if (node.kind !== 'symlink' || node.target === undefined) throw fail('EINVAL', 'readlink', path);
    return node.target;
  }

  async realpath(path: string): Promise<string> {
    const real = this.resolve(path, true);
    this.existing(real, 'realpath');
    return real;
  }

  async lchown(path: string, uid: number, gid: number): Promise<void> {
    const node = this.existing(this.resolve(path, false), 'lchown');
    if (uid !== -1) node.uid = uid;
    if (gid !== -1) node.gid = gid;
  }

  existsSync(path: string): boolean {
    path = this.tryResolve(path);
    return this.nodes.has(path);
  }

  async list(dir: string): Promise<string[]> {
    dir = this.resolve(dir, true);
    const node = this.existing(dir, 'scandir');
    if (node.kind !== 'dir') throw fail('ENOTDIR', 'scandir', dir);
    return [...this.nodes.keys()].filter((p) => p !== dir && dirname(p) === dir).map((p) => p.slice(dir === '/' ? 1 : dir.length + 1));
  }

  async executable(path: string): Promise<boolean> {
    path = this.tryResolve(path);
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

  private info(node: Node | undefined): FileInfo | undefined {
    return node && { kind: node.kind, mode: node.mode, uid: node.uid ?? 0, gid: node.gid ?? 0, rdev: 0 };
  }

  /**
   * path with the symlinks on the way resolved (and at its end when followLast); components
   * that do not exist are kept as written, so the caller's lookup fails with its own errno.
   */
  private resolve(path: string, followLast: boolean): string {
    let hops = 0;
    const walk = (from: string, rest: string[]): string => {
      let cur = from;
      for (let i = 0; i < rest.length; i++) {
        const part = rest[i]!;
        if (part === '' || part === '.') continue;
        if (part === '..') { cur = dirname(cur); continue; }
        const next = join(cur, part);
        const node = this.nodes.get(next);
        const last = i === rest.length - 1;
        if (node?.kind === 'symlink' && node.target !== undefined && (!last || followLast)) {
          if (++hops > MAX_LINKS) throw fail('ELOOP', 'open', path);
          const target = node.target;
          return walk(target.startsWith('/') ? '/' : cur, [...target.split('/'), ...rest.slice(i + 1)]);
        }
        cur = next;
      }
      return cur;
    };
    return walk('/', path.split('/'));
  }

  /** resolve for calls that answer rather than fail: a loop resolves to nothing there. */
  private tryResolve(path: string): string {
    try {
      return this.resolve(path, true);
    } catch {
      return '\0';
    }
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
    if (node.kind === 'symlink') throw fail('ENOENT', syscall, path);
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
