import { dirname } from 'node:path';
import { HostError } from '../errors.js';
import type { Files, Watch } from './types.js';

interface Entry {
  text: string;
  executable: boolean;
}

const noent = (path: string, syscall: string) => new HostError('ENOENT', `${syscall} ${path}: no such file or directory`, syscall);

/**
 * Files in memory. A directory exists while something is written under it (or after mkdir);
 * write and remove wake the watchers of the file's directory, as inotify would.
 */
export class FakeFiles implements Files {
  private readonly files = new Map<string, Entry>();
  private readonly dirs = new Set<string>(['/']);
  private readonly watchers = new Map<string, Set<{ onChange: () => void; onError: (err: Error) => void }>>();

  mkdir(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = dirname(d)) this.dirs.add(d);
  }

  write(path: string, text: string, opts: { executable?: boolean } = {}): void {
    this.mkdir(dirname(path));
    this.files.set(path, { text, executable: opts.executable ?? false });
    this.wake(dirname(path));
  }

  remove(path: string): void {
    if (!this.files.delete(path)) throw noent(path, 'unlink');
    this.wake(dirname(path));
  }

  async readText(path: string): Promise<string> {
    const f = this.files.get(path);
    if (f) return f.text;
    if (this.dirs.has(path)) throw new HostError('EISDIR', `read ${path}: is a directory`, 'read');
    throw noent(path, 'open');
  }

  async list(dir: string): Promise<string[]> {
    if (this.files.has(dir)) throw new HostError('ENOTDIR', `scandir ${dir}: not a directory`, 'scandir');
    if (!this.dirs.has(dir)) throw noent(dir, 'scandir');
    const names = [...this.files.keys(), ...this.dirs].filter((p) => p !== dir && dirname(p) === dir);
    return names.map((p) => p.slice(dir.length).replace(/^\//, ''));
  }

  async executable(path: string): Promise<boolean> {
    return this.files.get(path)?.executable ?? false;
  }

  watch(dir: string, onChange: () => void, onError: (err: Error) => void): Watch {
    if (!this.dirs.has(dir)) throw noent(dir, 'watch');
    const w = { onChange, onError };
    let set = this.watchers.get(dir);
    if (!set) this.watchers.set(dir, (set = new Set()));
    set.add(w);
    return { close: () => set.delete(w) };
  }

  private wake(dir: string): void {
    for (const w of this.watchers.get(dir) ?? []) w.onChange();
  }
}
