// Shared by every benchmark: percentiles and the one-line BENCH format that CI and the
// closing notes read. ratio = ours / peer, both measured in the same run on this machine.

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface BenchLine {
  name: string;
  unit: string;
  ours: number;
  peer: number;
  peer_name: string;
  better: 'lower' | 'higher';
}

export function bench(line: BenchLine): void {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const out = { name: line.name, unit: line.unit, ours: round(line.ours), peer: round(line.peer), peer_name: line.peer_name, ratio: round(line.ours / line.peer), better: line.better };
  console.log(`BENCH ${JSON.stringify(out)}`);
}

/** Milliseconds taken by fn. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
