// The informer's cache: objects by namespace/name key, plus named indexes (pods by
// spec.nodeName, by owner...) kept in step with every write, as client-go's threadSafeStore.
// Readers get the stored objects themselves: treat them as read-only.
import type { KubeObject } from '../api/types.js';

/** The values obj is filed under in one index (none: not in it). */
export type IndexFn<T> = (obj: T) => readonly string[];

/** `namespace/name`, or `name` for a cluster-scoped object: the workqueue's key too. */
export function keyOf(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  if (!name) throw new TypeError('object has no metadata.name');
  return namespace ? `${namespace}/${name}` : name;
}

export class Indexer<T extends KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexFns = new Map<string, IndexFn<T>>();
  /** index name → value → keys */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: ReadonlyMap<string, IndexFn<T>> = new Map()) {
    for (const [name, fn] of indexers) this.addIndex(name, fn);
  }

  /** Adds a named index over what is stored and what comes. Throws if the name is taken by another function. */
  addIndex(name: string, fn: IndexFn<T>): void {
    const existing = this.#indexFns.get(name);
    if (existing === fn) return;
    if (existing) throw new Error(`index "${name}" already exists`);
    this.#indexFns.set(name, fn);
    this.#indexes.set(name, new Map());
    for (const [key, obj] of this.#items) this.#indexOne(name, fn, key, obj);
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  /** The objects filed under value in the named index. Throws for an index that was not declared. */
  byIndex(index: string, value: string): T[] {
    const values = this.#indexes.get(index);
    if (!values) throw new Error(`index "${index}" does not exist`);
    return [...(values.get(value) ?? [])].flatMap((k) => this.#items.get(k) ?? []);
  }

  /** Stores obj under its key; returns what was there before. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    this.#index(key, obj);
    return old;
  }

  /** Removes key; returns what was there. */
  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  #index(key: string, obj: T): void {
    for (const [name, fn] of this.#indexFns) this.#indexOne(name, fn, key, obj);
  }

  #indexOne(name: string, fn: IndexFn<T>, key: string, obj: T): void {
    const values = this.#indexes.get(name);
    if (!values) return;
    for (const v of fn(obj)) {
      let keys = values.get(v);
      if (!keys) values.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexFns) {
      const values = this.#indexes.get(name);
      if (!values) continue;
      for (const v of fn(obj)) {
        const keys = values.get(v);
        keys?.delete(key);
        if (keys?.size === 0) values.delete(v);
      }
    }
  }
}
