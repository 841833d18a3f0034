// A fixed-size bit set and the allocation choices made on it. Pure: the stored range
// (range-store.ts) applies these to a copy and commits it with compare-and-swap.

export type AllocErrorKind = 'allocated' | 'notInRange' | 'full';

/** Why an allocation was refused; the service allocator words it as upstream does. */
export class AllocError extends Error {
  override readonly name = 'AllocError';
  constructor(readonly kind: AllocErrorKind) {
    super(kind === 'allocated' ? 'already allocated' : kind === 'full' ? 'range is full' : 'not in range');
  }
}

export class Bitmap {
  readonly bytes: Uint8Array;
  constructor(readonly size: number, bytes?: Uint8Array) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
    if (bytes) this.bytes.set(bytes.subarray(0, this.bytes.length));
  }

  has(i: number): boolean {
    return ((this.bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  set(i: number): void {
    this.bytes[i >> 3]! |= 1 << (i & 7);
  }

  clear(i: number): void {
    this.bytes[i >> 3]! &= ~(1 << (i & 7));
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.has(i)) n++;
    return n;
  }

  clone(): Bitmap {
    return new Bitmap(this.size, this.bytes);
  }

  /** Takes offset i; throws AllocError 'notInRange' or 'allocated'. */
  take(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new AllocError('notInRange');
    if (this.has(i)) throw new AllocError('allocated');
    this.set(i);
  }

  /**
   * Takes a free offset: first from [staticBand, size) then from [lo, staticBand), each
   * scanned from a random start, so dynamic allocations leave the low (static) band to users
   * who ask for a value, as upstream since 1.27. Offsets below `lo` are never handed out.
   * Throws AllocError 'full'.
   */
  takeAny(random: () => number, staticBand: number, lo = 0): number {
    for (const [from, to] of [[Math.max(staticBand, lo), this.size], [lo, Math.min(staticBand, this.size)]] as const) {
      const span = to - from;
      if (span <= 0) continue;
      const start = Math.floor(random() * span);
      for (let k = 0; k < span; k++) {
        const i = from + ((start + k) % span);
        if (!this.has(i)) {
          this.set(i);
          return i;
        }
      }
    }
    throw new AllocError('full');
  }
}

/** Upstream's static band: size/16, at least 16 and at most 256 (none for tiny ranges). */
export function staticBandSize(size: number): number {
  if (size < 16) return 0;
  return Math.min(256, Math.max(16, Math.floor(size / 16)));
}
