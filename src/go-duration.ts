// Go's time.ParseDuration: the one reading of Go durations in skiff, for what upstream takes
// as one (cron's `@every 1h30m`, containerd's config durations such as
// image_pull_progress_timeout). Grammar `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` or `0`, units
// ns us µs μs ms s m h, at most 2^63 ns; errors in Go's words.

import { ownValue } from './own-keys.js';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

const quote = (s: string) => JSON.stringify(s);

/**
 * The duration `text` stands for, in nanoseconds (a float: exact up to 2^53 ns, about 104
 * days). Throws an Error worded as Go's (`time: invalid duration "x"`, `time: missing unit
 * in duration "5"`, `time: unknown unit "x" in duration "5x"`).
 */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${quote(text)}`);
  let s = text;
  const negative = s.startsWith('-');
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    if (m[0] === '' || (m[1] === '' && !m[2])) throw invalid();
    s = s.slice(m[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quote(text)}`);
    const unitNs = ownValue(UNIT_NS, unit);
    if (unitNs === undefined) throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(text)}`);
    s = s.slice(unit.length);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unitNs;
    if (total > 2 ** 63) throw invalid();
  }
  return negative ? -total : total;
}
