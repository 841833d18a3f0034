import { systemClock, type Clock } from '../host/clock.js';
import { checkValue, errors, expiryOf, readRevision } from './keys.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreStats, WatchEvent, WriteOptions } from './types.js';
import { WatchHub } from './watch-hub.js';

// The in-memory model of the store: every revision kept until compacted, the same errors and
// watch semantics as the real backends (it passes the same contract suite). Other components'
// unit tests use it as their fake store. TTLs expire only when sweepExpired() is called, by the
// injected clock (no timer: a test steps its FakeClock, then sweeps).

interface Row {
  revision: number;
  key: string;
  /** Absent for a tombstone. */
  kv?: KeyValue;
  /** The value this row replaced or deleted. */
  prev?: KeyValue;
  /** When a TTL write expires, ms since the epoch. */
  expires?: number;
}

function toEvent(row: Row): WatchEvent {
  if (row.kv) return row.prev ? { type: 'put', kv: row.kv, prev: row.prev } : { type: 'put', kv: row.kv };
  return { type: 'delete', key: row.key, revision: row.revision, prev: row.prev! };
}

export class MemoryStore implements Store {
  /** Every row not yet compacted, in revision order. */
  private log: Row[] = [];
  /** Per key, its rows in revision order. */
  private readonly byKey = new Map<string, Row[]>();
  private current = 0;
  private compacted = 0;
  private closed = false;
  private readonly clock: Clock;
  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  private readonly hub = new WatchHub({
    revision: () => this.current,
    compactRevision: () => this.compacted,
    events: (prefix, after, until, limit) => {
      const out: WatchEvent[] = [];
      for (let i = this.firstAfter(after); i < this.log.length && out.length < limit; i++) {
        const row = this.log[i]!;
        if (row.revision > until) break;
        if (row.key.startsWith(prefix)) out.push(toEvent(row));
      }
      return out;
    },
  });

  async revision(): Promise<number> {
    this.open();
    return this.current;
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    this.open();
    return this.at(key, readRevision(revision, this.current, this.compacted));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.open();
    const revision = readRevision(opts.revision, this.current, this.compacted);
    const keys = [...this.byKey.keys()].filter((k) => k.startsWith(prefix) && (opts.after === undefined || k > opts.after)).sort();
    const all: KeyValue[] = [];
    for (const k of keys) {
      const kv = this.at(k, revision);
      if (kv) all.push(kv);
    }
    const items = opts.limit ? all.slice(0, opts.limit) : all;
    return { items, revision, remaining: all.length - items.length };
  }

  async count(prefix: string): Promise<number> {
    return (await this.list(prefix)).items.length;
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<number> {
    this.open();
    checkValue(key, value);
    const expires = expiryOf(opts, this.clock.now()) ?? undefined;
    const current = this.latest(key);
    if (current) throw errors.exists(key, current);
    const revision = this.current + 1;
    return this.append({ revision, key, kv: { key, value, createRevision: revision, modRevision: revision }, expires });
  }

  async update(key: string, value: Buffer, expected: number, opts?: WriteOptions): Promise<number> {
    this.open();
    checkValue(key, value);
    const expires = expiryOf(opts, this.clock.now()) ?? undefined;
    const prev = this.latest(key);
    if (!prev) throw errors.notFound(key);
    if (prev.modRevision !== expected) throw errors.conflict(key, expected, prev);
    const revision = this.current + 1;
    return this.append({ revision, key, prev, kv: { key, value, createRevision: prev.createRevision, modRevision: revision }, expires });
  }

  /** Deletes every key whose TTL has passed by the clock, as ordinary deletes; resolves with how many. */
  async sweepExpired(): Promise<number> {
    this.open();
    const now = this.clock.now();
    const due: KeyValue[] = [];
    for (const rows of this.byKey.values()) {
      const last = rows[rows.length - 1];
      if (last?.kv && last.expires !== undefined && last.expires <= now) due.push(last.kv);
    }
    for (const kv of due) await this.delete(kv.key, kv.modRevision);
    return due.length;
  }

  async stats(): Promise<StoreStats> {
    this.open();
    // Memory has no free pages: everything it holds is data or history.
    const bytes = (kv?: KeyValue) => (kv ? kv.key.length + kv.value.length : 0);
    const held = this.log.reduce((sum, r) => sum + bytes(r.kv) + bytes(r.prev), 0);
    return { dbBytes: held, inUseBytes: held, revision: this.current, compactRevision: this.compacted };
  }

  async delete(key: string, expected?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.open();
    const prev = this.latest(key);
    if (!prev) throw errors.notFound(key);
    if (expected !== undefined && prev.modRevision !== expected) throw errors.conflict(key, expected, prev);
    return { revision: this.append({ revision: this.current + 1, key, prev }), prev };
  }

  watch(prefix: string, after: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.hub.watch(prefix, after, signal);
  }

  async compact(revision: number): Promise<void> {
    this.open();
    if (revision > this.current) throw errors.future(revision, this.current);
    if (revision <= this.compacted) return;
    const forgotten = new Set<Row>();
    for (const [key, rows] of this.byKey) {
      // Keep the latest row at or before `revision` unless it is a tombstone, and all later ones.
      let keepFrom = rows.findIndex((r) => r.revision > revision);
      if (keepFrom === -1) keepFrom = rows.length;
      const base = rows[keepFrom - 1];
      const cut = base?.kv ? keepFrom - 1 : keepFrom;
      for (const r of rows.slice(0, cut)) forgotten.add(r);
      if (cut === rows.length) this.byKey.delete(key);
      else if (cut > 0) this.byKey.set(key, rows.slice(cut));
    }
    this.log = this.log.filter((r) => !forgotten.has(r));
    this.compacted = revision;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.close();
  }

  private append(row: Row): number {
    this.current = row.revision;
    this.log.push(row);
    const rows = this.byKey.get(row.key);
    if (rows) rows.push(row);
    else this.byKey.set(row.key, [row]);
    this.hub.publish([toEvent(row)]);
    return row.revision;
  }

  private latest(key: string): KeyValue | undefined {
    const rows = this.byKey.get(key);
    return rows?.[rows.length - 1]?.kv;
  }

  private at(key: string, revision: number): KeyValue | undefined {
    const rows = this.byKey.get(key) ?? [];
    for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.revision <= revision) return rows[i]!.kv;
    return undefined;
  }

  /** Index of the first log row with revision > after (binary search: the log is ordered). */
  private firstAfter(after: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.revision <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private open(): void {
    if (this.closed) throw errors.closed();
  }
}
