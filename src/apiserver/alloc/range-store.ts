// One allocation bitmap persisted as one object in the store (upstream's RangeAllocation
// at /registry/ranges/...), changed only by compare-and-swap. Concurrent requests in this
// process are batched into one write; a conflict (another server wrote first) reloads the
// bitmap and replays the batch, so no value is ever handed out twice.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { StoreError, type Store } from '../../store/types.js';
import { Bitmap } from './bitmap.js';

/** The stored object; `data` is the bitmap, raw-deflated (mostly zeros) then base64. */
interface RangeAllocation {
  kind: 'RangeAllocation';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  range: string;
  data: string;
}

/** A change to the bitmap: mutates it in place, or throws to refuse (leaving it untouched). */
export type RangeOp<T> = (bitmap: Bitmap) => T;

interface Pending {
  op: RangeOp<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const MAX_ATTEMPTS = 100;

export class RangeStore {
  private cached: { bitmap: Bitmap; modRevision: number } | undefined;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly store: Store, readonly key: string, readonly range: string, readonly size: number) {}

  /**
   * Applies `op` to the latest bitmap and persists the result; resolves with op's value once
   * written. Rejects with what op threw (nothing written for it), or StoreError when the store
   * fails or keeps conflicting.
   */
  run<T>(op: RangeOp<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      void this.flush();
    });
  }

  /** The bitmap as stored now, read afresh (another server may have changed it). Rejects when the store does. */
  async snapshot(): Promise<Bitmap> {
    return (await this.read()).bitmap;
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let state;
      try {
        state = await this.load();
      } catch (e) {
        for (const p of batch) p.reject(e);
        return;
      }
      const next = state.bitmap.clone();
      const outcomes = batch.map((p) => {
        try {
          return { ok: true as const, value: p.op(next) };
        } catch (error) {
          return { ok: false as const, error };
        }
      });
      try {
        const changed = !equal(next, state.bitmap);
        const modRevision = changed ? await this.write(next, state.modRevision) : state.modRevision;
        this.cached = { bitmap: next, modRevision };
      } catch (e) {
        this.cached = undefined;
        if (e instanceof StoreError && (e.kind === 'conflict' || e.kind === 'exists' || e.kind === 'notFound')) continue;
        for (const p of batch) p.reject(e);
        return;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
      return;
    }
    const err = new StoreError('conflict', `${this.key}: gave up after ${MAX_ATTEMPTS} conflicting writes`, { key: this.key });
    for (const p of batch) p.reject(err);
  }

  private async load(): Promise<{ bitmap: Bitmap; modRevision: number }> {
    this.cached ??= await this.read();
    return this.cached;
  }

  private async read(): Promise<{ bitmap: Bitmap; modRevision: number }> {
    const kv = await this.store.get(this.key);
    const bitmap = new Bitmap(this.size);
    if (kv) {
      const obj = JSON.parse(kv.value.toString('utf8')) as RangeAllocation;
      // A bitmap of another range (the flag changed) says nothing about this one: start empty
      // and let repair mark what services hold.
      if (obj.range === this.range && obj.data) bitmap.bytes.set(inflateRawSync(Buffer.from(obj.data, 'base64')).subarray(0, bitmap.bytes.length));
    }
    return { bitmap, modRevision: kv?.modRevision ?? 0 };
  }

  /** modRevision 0 means the object does not exist yet. */
  private async write(bitmap: Bitmap, modRevision: number): Promise<number> {
    const obj: RangeAllocation = { kind: 'RangeAllocation', apiVersion: 'v1', metadata: {}, range: this.range, data: deflateRawSync(bitmap.bytes).toString('base64') };
    const value = Buffer.from(JSON.stringify(obj));
    return modRevision === 0 ? this.store.create(this.key, value) : this.store.update(this.key, value, modRevision);
  }
}

function equal(a: Bitmap, b: Bitmap): boolean {
  return Buffer.compare(a.bytes, b.bytes) === 0;
}
