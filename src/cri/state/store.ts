import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../host/files/atomic.js';
import { alreadyExists, invalidArgument, notFound } from '../errors.js';

/**
 * Records of one kind (sandboxes or containers) in memory and on disk, one JSON file per id
 * written through writeFileAtomic (temp file, fsync, rename), so a crash leaves either the
 * old or the new record.
 * Ids are 64 hex chars; lookups accept a unique prefix (as crictl users type them).
 * Names (the kubelet's sandbox/container name) are reserved while a record holds them, so a
 * second create with the same name is AlreadyExists, as in containerd.
 */
export class RecordStore<T extends { id: string }> {
  private readonly records = new Map<string, T>();
  private readonly names = new Map<string, string>();

  private constructor(private readonly dir: string, private readonly kind: string, private readonly nameOf: (r: T) => string) {}

  /** Loads every record under dir, each parsed JSON value through decode (which may convert an
   *  older shape, and throws for a value that is no record). Unreadable files are reported, not
   *  fatal (a half-written temp file from a crash is skipped and deleted). */
  static async open<T extends { id: string }>(dir: string, kind: string, nameOf: (r: T) => string, decode: (raw: unknown) => T = (raw) => raw as T): Promise<{ store: RecordStore<T>; errors: string[] }> {
    const store = new RecordStore<T>(dir, kind, nameOf);
    await mkdir(dir, { recursive: true });
    const errors: string[] = [];
    for (const file of await readdir(dir)) {
      const path = join(dir, file);
      if (!file.endsWith('.json')) {
        await rm(path, { force: true });
        continue;
      }
      try {
        const record = decode(JSON.parse(await readFile(path, 'utf8')));
        store.records.set(record.id, record);
        store.names.set(nameOf(record), record.id);
      } catch (err) {
        errors.push(`${path}: ${(err as Error).message}`);
      }
    }
    return { store, errors };
  }

  static newId(): string {
    return randomBytes(32).toString('hex');
  }

  /** Reserves the record's name and persists it. Rejects AlreadyExists naming the holder. */
  async add(record: T): Promise<void> {
    const name = this.nameOf(record);
    const holder = this.names.get(name);
    if (holder && holder !== record.id) throw alreadyExists(`${this.kind} name "${name}" is reserved for ${holder}`);
    this.names.set(name, record.id);
    this.records.set(record.id, record);
    try {
      await this.persist(record);
    } catch (err) {
      this.records.delete(record.id);
      this.names.delete(name);
      throw err;
    }
  }

  /**
   * Applies change to the stored record and persists it. Changes apply in call order, each to
   * the result of the previous one (concurrent updates never lose each other's fields); on a
   * write failure the record in memory goes back to what it was, unless a later update won.
   */
  async update(id: string, change: (r: T) => void): Promise<T> {
    const record = this.mustGet(id);
    const next = structuredClone(record);
    change(next);
    this.records.set(id, next);
    try {
      await this.serialized(id, () => this.persist(next));
    } catch (err) {
      if (this.records.get(id) === next) this.records.set(id, record);
      throw err;
    }
    return next;
  }

  private readonly writes = new Map<string, Promise<void>>();

  /** Writes of one id in call order, so an older version never lands over a newer one. */
  private async serialized(id: string, write: () => Promise<void>): Promise<void> {
    const prev = this.writes.get(id) ?? Promise.resolve();
    const mine = prev.catch(() => undefined).then(write);
    this.writes.set(id, mine);
    try {
      await mine;
    } finally {
      if (this.writes.get(id) === mine) this.writes.delete(id);
    }
  }

  async delete(id: string): Promise<void> {
    const record = this.records.get(id);
    if (!record) return;
    await rm(join(this.dir, `${id}.json`), { force: true });
    this.records.delete(id);
    if (this.names.get(this.nameOf(record)) === id) this.names.delete(this.nameOf(record));
  }

  /** The record with this id or unique id prefix, or undefined. Rejects an ambiguous prefix. */
  find(idOrPrefix: string): T | undefined {
    if (!idOrPrefix) throw invalidArgument(`${this.kind} id is empty`);
    const exact = this.records.get(idOrPrefix);
    if (exact) return exact;
    const matches = [...this.records.keys()].filter((id) => id.startsWith(idOrPrefix));
    if (matches.length > 1) throw invalidArgument(`${this.kind} id prefix "${idOrPrefix}" is ambiguous`);
    return matches[0] ? this.records.get(matches[0]) : undefined;
  }

  /** Like find, but NotFound when absent. */
  mustGet(idOrPrefix: string): T {
    const record = this.find(idOrPrefix);
    if (!record) throw notFound(`${this.kind} "${idOrPrefix}" not found`);
    return record;
  }

  list(): T[] {
    return [...this.records.values()];
  }

  private async persist(record: T): Promise<void> {
    await writeFileAtomic(join(this.dir, `${record.id}.json`), JSON.stringify(record));
  }
}
