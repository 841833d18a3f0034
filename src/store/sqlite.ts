import Database from 'better-sqlite3';
import { startAutoCompaction, type AutoCompaction } from './compactor.js';
import { checkValue, errors, prefixEnd, readRevision } from './keys.js';
import { PRAGMAS, SCHEMA, SQL, type Row } from './sqlite-schema.js';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type WatchEvent } from './types.js';
import { WatchHub } from './watch-hub.js';

// The embedded backend: one SQLite file in WAL mode, one writer process (this one). Writes are
// short IMMEDIATE transactions; watchers are told after commit through one in-process fan-out,
// and catch up from the kv table itself.

export interface SqliteStoreOptions {
  /** Database file; created if missing. */
  path: string;
  /** Periodic compaction; false turns it off (tests). Default: on, every 5 minutes. */
  autoCompact?: AutoCompaction | false;
}

/** Above the highest key any valid UTF-8 key can start with: the bound of the empty prefix. */
const TOP = '\u{10FFFF}';
/** Revisions compacted per transaction, so a big compaction never blocks writers for long. */
const COMPACT_CHUNK = 2000;

const toKv = (r: Row): KeyValue => ({ key: r.name, value: r.value ?? Buffer.alloc(0), createRevision: r.create_revision, modRevision: r.id });

function toEvent(r: Row): WatchEvent {
  const prev = r.prev_revision > 0 && (r.deleted || r.old_value)
    ? { key: r.name, value: (r.deleted ? r.value : r.old_value) ?? Buffer.alloc(0), createRevision: r.create_revision, modRevision: r.prev_revision }
    : undefined;
  if (r.deleted) return { type: 'delete', key: r.name, revision: r.id, prev: prev! };
  return prev ? { type: 'put', kv: toKv(r), prev } : { type: 'put', kv: toKv(r) };
}

const range = (prefix: string) => ({ lo: prefix, hi: prefixEnd(prefix) ?? TOP });

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt: { [K in keyof typeof SQL]: Database.Statement };
  private current: number;
  private compacted: number;
  private closed = false;
  private compacting: Promise<void> = Promise.resolve();
  private readonly stopCompaction: () => void;
  private readonly hub: WatchHub;

  /** Opens (creating) the database; throws SqliteError when the file is unusable. */
  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    for (const p of PRAGMAS) this.db.pragma(p);
    this.db.exec(SCHEMA);
    this.stmt = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, this.db.prepare(sql)])) as SqliteStore['stmt'];
    this.current = this.readRevision();
    this.compacted = (this.stmt.compactRevision.get() as { rev: number }).rev;
    this.hub = new WatchHub({
      revision: () => this.current,
      compactRevision: () => this.compacted,
      events: (prefix, after, until, limit) => this.guard(() => (this.stmt.history.all({ ...range(prefix), after, until, limit }) as Row[]).map(toEvent)),
    });
    this.stopCompaction = opts.autoCompact === false ? () => {} : startAutoCompaction(this, opts.autoCompact);
  }

  async revision(): Promise<number> {
    return this.guard(() => this.current);
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    return this.guard(() => {
      const rev = readRevision(revision, this.current, this.compacted);
      const row = this.stmt.at.get(key, rev) as Row | undefined;
      return row && !row.deleted ? toKv(row) : undefined;
    });
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.guard(() => {
      const revision = readRevision(opts.revision, this.current, this.compacted);
      const params = { ...range(prefix), after: opts.after ?? '', rev: revision };
      const items = (this.stmt.page.all({ ...params, limit: opts.limit || -1 }) as Row[]).map(toKv);
      const remaining = opts.limit && items.length === opts.limit ? (this.stmt.count.get(params) as { n: number }).n - items.length : 0;
      return { items, revision, remaining };
    });
  }

  async count(prefix: string): Promise<number> {
    return this.guard(() => (this.stmt.count.get({ ...range(prefix), after: '', rev: this.current }) as { n: number }).n);
  }

  async create(key: string, value: Buffer): Promise<number> {
    checkValue(key, value);
    return this.write(() => {
      const cur = this.latest(key);
      if (cur) throw errors.exists(key, toKv(cur));
      const rev = this.readRevision() + 1;
      this.stmt.insert.run(rev, key, 1, 0, rev, 0, value, null);
      return { id: rev, name: key, deleted: 0, create_revision: rev, prev_revision: 0, value, old_value: null };
    }).id;
  }

  async update(key: string, value: Buffer, expected: number): Promise<number> {
    checkValue(key, value);
    return this.write(() => {
      const cur = this.latest(key);
      if (!cur) throw errors.notFound(key);
      if (cur.id !== expected) throw errors.conflict(key, expected, toKv(cur));
      const rev = this.readRevision() + 1;
      this.stmt.insert.run(rev, key, 0, 0, cur.create_revision, cur.id, value, cur.value);
      return { id: rev, name: key, deleted: 0, create_revision: cur.create_revision, prev_revision: cur.id, value, old_value: cur.value };
    }).id;
  }

  async delete(key: string, expected?: number): Promise<{ revision: number; prev: KeyValue }> {
    const row = this.write(() => {
      const cur = this.latest(key);
      if (!cur) throw errors.notFound(key);
      if (expected !== undefined && cur.id !== expected) throw errors.conflict(key, expected, toKv(cur));
      const rev = this.readRevision() + 1;
      // A tombstone keeps the deleted value (as kine does), so its event carries prev.
      this.stmt.insert.run(rev, key, 0, 1, cur.create_revision, cur.id, cur.value, null);
      return { id: rev, name: key, deleted: 1, create_revision: cur.create_revision, prev_revision: cur.id, value: cur.value, old_value: null };
    });
    return { revision: row.id, prev: { key, value: row.value ?? Buffer.alloc(0), createRevision: row.create_revision, modRevision: row.prev_revision } };
  }

  watch(prefix: string, after: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.hub.watch(prefix, after, signal);
  }

  /** Compacts in chunks of short transactions, then returns freed pages to the file system. */
  compact(revision: number): Promise<void> {
    const run = this.compacting.then(async () => {
      this.guard(() => undefined);
      if (revision > this.current) throw errors.future(revision, this.current);
      const chunk = this.db.transaction((from: number, to: number) => {
        for (const s of [this.stmt.compactSuperseded, this.stmt.compactTombstones, this.stmt.compactOldValues]) s.run({ from, to });
        this.stmt.setCompactRevision.run(to);
      });
      while (this.compacted < revision && !this.closed) {
        const to = Math.min(revision, this.compacted + COMPACT_CHUNK);
        this.guard(() => chunk.immediate(this.compacted, to));
        this.compacted = to;
        await new Promise((r) => setImmediate(r));
      }
      if (!this.closed) this.guard(() => {
        this.db.pragma('incremental_vacuum');
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      });
    });
    this.compacting = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCompaction();
    this.hub.close();
    await this.compacting;
    this.db.close();
  }

  /** Runs fn in an IMMEDIATE transaction, then tells watchers about the committed row. */
  private write(fn: () => Row): Row {
    const row = this.guard(() => this.db.transaction(fn).immediate());
    this.current = Math.max(this.current, row.id);
    this.hub.publish([toEvent(row)]);
    return row;
  }

  private latest(key: string): Row | undefined {
    const row = this.stmt.latest.get(key) as Row | undefined;
    return row && !row.deleted ? row : undefined;
  }

  private readRevision(): number {
    return (this.stmt.revision.get() as { rev: number }).rev;
  }

  /** Store errors pass through; anything SQLite throws (closed, busy, I/O) becomes 'unavailable'. */
  private guard<T>(fn: () => T): T {
    if (this.closed) throw errors.closed();
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('unavailable', `sqlite: ${(err as Error).message}`);
    }
  }
}
