import { readFile } from 'node:fs/promises';
import { toHostError } from '../errors.js';
import { native } from '../native.js';
import { trace } from '../../trace.js';
import type { BindOptions, MountEntry, Mounter, OverlayOptions, Propagation, TmpfsOptions } from './types.js';
import { checkOverlay, checkPath, checkPropagation, tmpfsData } from './validate.js';

const log = trace('mount');

export class RealMounter implements Mounter {
  async bind(source: string, target: string, o: BindOptions = {}): Promise<void> {
    const { MS } = native();
    const [src, dst] = [checkPath(source, 'bind source'), checkPath(target, 'bind target')];
    if (o.propagation !== undefined) checkPropagation(o.propagation);
    log(() => `bind ${src} -> ${dst} ${JSON.stringify(o)}`);
    await call(() => native().mount(src, dst, null, MS.BIND | (o.recursive ? MS.REC : 0), null));
    try {
      // Per-mount flags of a bind only take effect through a remount of it.
      const flags = (o.readonly ? MS.RDONLY : 0) | (o.nosuid ? MS.NOSUID : 0) | (o.nodev ? MS.NODEV : 0) | (o.noexec ? MS.NOEXEC : 0);
      if (flags) await call(() => native().mount('', dst, null, MS.BIND | MS.REMOUNT | flags, null));
      if (o.propagation !== undefined) await this.propagate(dst, o.propagation);
    } catch (err) {
      await this.unmount(dst, { detach: true }).catch(() => {});
      throw err;
    }
  }

  async overlay(target: string, o: OverlayOptions): Promise<void> {
    const dst = checkPath(target, 'overlay target');
    checkOverlay(dst, o);
    log(() => `overlay ${dst} lower=${o.lower.length} upper=${o.upper ?? '-'}`);
    const flags = o.readonly || o.upper === undefined ? native().MS.RDONLY : 0;
    await call(() => native().mountOverlay(dst, o.lower, o.upper ?? null, o.work ?? null, flags));
  }

  async tmpfs(target: string, o: TmpfsOptions = {}): Promise<void> {
    const { MS } = native();
    const dst = checkPath(target, 'tmpfs target');
    const data = tmpfsData(dst, o);
    const flags = (o.nosuid ? MS.NOSUID : 0) | (o.nodev ? MS.NODEV : 0) | (o.noexec ? MS.NOEXEC : 0);
    await call(() => native().mount('tmpfs', dst, 'tmpfs', flags, data || null));
  }

  async propagate(target: string, propagation: Propagation): Promise<void> {
    const { MS } = native();
    const p = checkPropagation(propagation);
    const base = p.replace(/^r/, '').toUpperCase() as 'PRIVATE' | 'SLAVE' | 'SHARED' | 'UNBINDABLE';
    await call(() => native().mount('', checkPath(target, 'mount point'), null, MS[base] | (p.startsWith('r') ? MS.REC : 0), null));
  }

  async unmount(target: string, o: { detach?: boolean } = {}): Promise<void> {
    const { MNT } = native();
    const dst = checkPath(target, 'unmount target');
    log(() => `unmount ${dst}${o.detach ? ' (detach)' : ''}`);
    await call(() => native().umount(dst, MNT.NOFOLLOW | (o.detach ? MNT.DETACH : 0)));
  }

  async list(prefix = '/'): Promise<MountEntry[]> {
    return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((m) => under(m.target, prefix));
  }
}

async function call(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw toHostError(err);
  }
}

export function under(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

/** /proc/<pid>/mountinfo lines -> entries; octal escapes (\040 for space) decoded. */
export function parseMountinfo(text: string): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text.split('\n').filter(Boolean).map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const target = left.split(' ')[4] ?? '';
    const [fstype = '', source = ''] = right.split(' ');
    return { target: unescape(target), fstype, source: unescape(source) };
  });
}
