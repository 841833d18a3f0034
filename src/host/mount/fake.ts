import { existsSync } from 'node:fs';
import { HostError } from '../errors.js';
import { under } from './real.js';
import type { BindOptions, MountEntry, Mounter, OverlayOptions, Propagation, TmpfsOptions } from './types.js';
import { checkOverlay, checkPath, checkPropagation, tmpfsData } from './validate.js';

/**
 * A mount table with the kernel's refusals. Path existence is asked of `exists` (the real
 * filesystem by default, so unit tests use temp dirs), since mounts need real directories.
 */
export class FakeMounter implements Mounter {
  private table: (MountEntry & { propagation: Propagation })[] = [];

  constructor(private readonly exists: (path: string) => boolean = existsSync) {}

  async bind(source: string, target: string, o: BindOptions = {}): Promise<void> {
    const src = this.existing(checkPath(source, 'bind source'));
    const dst = this.existing(checkPath(target, 'bind target'));
    if (o.propagation !== undefined) checkPropagation(o.propagation);
    const copied = o.recursive ? this.table.filter((m) => under(m.target, src) && m.target !== src) : [];
    this.table.push({ target: dst, fstype: 'bind', source: src, propagation: o.propagation ?? 'private' });
    for (const m of copied) this.table.push({ ...m, target: dst + m.target.slice(src.length) });
  }

  async overlay(target: string, o: OverlayOptions): Promise<void> {
    const dst = checkPath(target, 'overlay target');
    checkOverlay(dst, o);
    for (const dir of [dst, ...o.lower, ...(o.upper ? [o.upper, o.work!] : [])]) this.existing(dir);
    this.table.push({ target: dst, fstype: 'overlay', source: 'overlay', propagation: 'private' });
  }

  async tmpfs(target: string, o: TmpfsOptions = {}): Promise<void> {
    const dst = this.existing(checkPath(target, 'tmpfs target'));
    tmpfsData(dst, o);
    this.table.push({ target: dst, fstype: 'tmpfs', source: 'tmpfs', propagation: 'private' });
  }

  async propagate(target: string, propagation: Propagation): Promise<void> {
    checkPropagation(propagation);
    this.top(checkPath(target, 'mount point')).propagation = propagation;
  }

  async unmount(target: string, o: { detach?: boolean } = {}): Promise<void> {
    const dst = checkPath(target, 'unmount target');
    const top = this.top(dst);
    const at = this.table.lastIndexOf(top);
    const children = this.table.slice(at + 1).filter((m) => under(m.target, dst) && m.target !== dst);
    if (children.length && !o.detach) throw new HostError('EBUSY', `unmount ${dst}: Device or resource busy (${children.length} mounts below)`, 'umount2');
    this.table = this.table.filter((m, i) => i !== at && !children.includes(m));
  }

  async list(prefix = '/'): Promise<MountEntry[]> {
    return this.table.filter((m) => under(m.target, prefix)).map(({ target, fstype, source }) => ({ target, fstype, source }));
  }

  private existing(path: string): string {
    if (!this.exists(path)) throw new HostError('ENOENT', `${path}: No such file or directory`, 'mount');
    return path;
  }

  private top(path: string): MountEntry & { propagation: Propagation } {
    const m = this.table.findLast((e) => e.target === path);
    if (!m) throw new HostError('EINVAL', `${path}: not a mount point: Invalid argument`, 'umount2');
    return m;
  }
}
