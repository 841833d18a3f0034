// resource.Quantity's canonical string (Quantity.String): what upstream prints in messages, so
// "1000m" reads "1" and 1258291200 bytes summed from "600Mi"s read "1200Mi". The format
// (binary Ki/Mi..., decimal k/M...) follows the suffix written; fractions below whole units
// print in milli-units. Precision: exact for milli-units up to 2^53.
import { parseQuantity } from './validation/field.js';

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** The canonical form of `v` (a number of units) in binary or decimal SI. */
export function formatQuantity(v: number, binary: boolean): string {
  const milli = Math.round(v * 1000);
  if (milli % 1000 !== 0) return `${milli}m`;
  let whole = milli / 1000;
  const [base, suffixes] = binary ? [1024, BINARY] : [1000, DECIMAL];
  let i = 0;
  while (whole !== 0 && i < suffixes.length - 1 && whole % base === 0) { whole /= base; i++; }
  return `${whole}${suffixes[i]}`;
}

/** A quantity string in its canonical form; the input itself when it does not parse. */
export function canonicalQuantity(q: unknown): string {
  const v = parseQuantity(q);
  if (v === undefined) return String(q);
  return formatQuantity(v, /i$/.test(String(q)));
}
