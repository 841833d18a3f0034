import { invalid } from '../errors.js';
import type { OverlayOptions, Propagation, TmpfsOptions } from './types.js';

export const PROPAGATIONS: readonly Propagation[] = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];

export function checkPath(path: unknown, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) throw invalid(`${what} "${String(path)}" must be an absolute path`);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function checkPropagation(p: unknown): Propagation {
  if (!PROPAGATIONS.includes(p as Propagation)) throw invalid(`propagation "${String(p)}" is not one of ${PROPAGATIONS.join(', ')}`);
  return p as Propagation;
}

export function checkOverlay(target: string, o: OverlayOptions): void {
  if (!Array.isArray(o?.lower) || o.lower.length === 0) throw invalid(`overlay on ${target}: needs at least one lower dir`);
  if (o.lower.length === 1 && o.upper === undefined) throw invalid(`overlay on ${target}: a read-only overlay needs two or more lower dirs`);
  if ((o.upper === undefined) !== (o.work === undefined)) throw invalid(`overlay on ${target}: upper and work go together`);
  o.lower.forEach((l, i) => {
    checkPath(l, `overlay on ${target}: lower[${i}]`);
    if (/[,:]/.test(l)) throw invalid(`overlay on ${target}: lower[${i}] "${l}" contains ',' or ':'`);
  });
  if (o.upper !== undefined) checkPath(o.upper, `overlay on ${target}: upper`);
  if (o.work !== undefined) checkPath(o.work, `overlay on ${target}: work`);
}

/** tmpfs mount data from options. */
export function tmpfsData(target: string, o: TmpfsOptions): string {
  const opts: string[] = [];
  if (o.size !== undefined) {
    const ok = typeof o.size === 'number' ? Number.isInteger(o.size) && o.size > 0 : /^\d+[kmg%]?$/i.test(o.size);
    if (!ok) throw invalid(`tmpfs on ${target}: size "${String(o.size)}" is not bytes or N[kmg%]`);
    opts.push(`size=${o.size}`);
  }
  if (o.mode !== undefined) {
    if (!Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0o7777) throw invalid(`tmpfs on ${target}: mode ${String(o.mode)} is not in 0..0o7777`);
    opts.push(`mode=${o.mode.toString(8)}`);
  }
  return opts.join(',');
}
