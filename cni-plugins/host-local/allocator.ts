import { formatAddr, type Addr } from './ip.js';

// Which address comes next: pure, so the reference's round-robin order is unit-tested
// without a disk. The disk only answers "is it taken" and "did my O_EXCL create win".

/** One range, defaults already applied: start..end inclusive, all of one family. */
export interface Range {
  family: 4 | 6;
  /** The subnet's network address and prefix length: they make the result's address/prefix. */
  network: bigint;
  prefix: number;
  start: bigint;
  end: bigint;
  gateway: bigint;
}

/** One address per range set: its ranges are a pool of disjoint ranges of one family. */
export type RangeSet = readonly Range[];

const addr = (r: Range, value: bigint): Addr => ({ family: r.family, value });

export const contains = (r: Range, a: Addr): boolean => a.family === r.family && a.value >= r.start && a.value <= r.end;

export const rangeFor = (set: RangeSet, a: Addr): Range | undefined => set.find((r) => contains(r, a));

export const overlaps = (a: Range, b: Range): boolean => a.family === b.family && a.start <= b.end && b.start <= a.end;

/** "10.1.2.1-10.1.2.254": the reference's spelling, kept because its error texts use it. */
export const rangeText = (r: Range): string => `${formatAddr(addr(r, r.start))}-${formatAddr(addr(r, r.end))}`;

export const rangeSetText = (set: RangeSet): string => set.map(rangeText).join(',');

/**
 * Every allocatable address of the set, once, in the reference's round-robin order: from
 * the one after `last` (when the set still contains it) through the end of its range, on
 * through the following ranges, wrapping around, and ending with `last` itself; or from
 * the first range's start when there is no usable `last`. Gateways are skipped, so a crash-
 * looping container does not get its old address back until the whole set went round.
 */
export function* candidates(set: RangeSet, last?: Addr): Generator<Addr> {
  const at = last ? set.findIndex((r) => contains(r, last)) : -1;
  if (at < 0) {
    for (const r of set) yield* walk(r, r.start, r.end);
    return;
  }
  const lastValue = last!.value;
  const first = set[at]!;
  yield* walk(first, lastValue + 1n, first.end);
  for (let i = 1; i < set.length; i++) {
    const r = set[(at + i) % set.length]!;
    yield* walk(r, r.start, r.end);
  }
  yield* walk(first, first.start, lastValue);
}

function* walk(r: Range, from: bigint, to: bigint): Generator<Addr> {
  for (let v = from; v <= to; v++) if (v !== r.gateway) yield addr(r, v);
}

/**
 * Which requested address each range set grants, in set order, each taking the first
 * still-unclaimed address it contains; `leftover` is what no set contains (an error).
 */
export function assignRequested(sets: readonly RangeSet[], requested: readonly Addr[]): { bySet: (Addr | undefined)[]; leftover: Addr[] } {
  const left = [...requested];
  const bySet = sets.map((set) => {
    const at = left.findIndex((a) => rangeFor(set, a));
    return at < 0 ? undefined : left.splice(at, 1)[0];
  });
  return { bySet, leftover: left };
}
