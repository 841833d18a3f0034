// A shared informer for one resource (optionally one namespace and selectors): list, then
// watch from the list's resourceVersion with bookmarks, keeping an Indexer in step and telling
// handlers what changed. As client-go's reflector: a 410 (too old resourceVersion) relists; any
// other watch or list failure retries with exponential backoff (800 ms doubling to 30 s,
// without client-go's jitter); a watch the server ends (timeoutSeconds) resumes at once from
// the last resourceVersion seen, bookmarks included, unless it ended within a second having
// delivered nothing (client-go's "very short watch"), which counts as a failure.
import type { KubeList, KubeObject } from '../api/types.js';
import type { Clock } from '../host/clock.js';
import { isGone } from './errors.js';
import { Indexer, keyOf, type IndexFn } from './indexer.js';
import type { ListOptions, WatchEvent, WatchOptions } from './resource.js';
import { sleep, type Timers } from './timers.js';

/** The two calls an informer needs; a ResourceClient is one. watch must end when opts.signal aborts (stop() waits for it). */
export interface ListerWatcher<T> {
  list(opts: ListOptions): Promise<KubeList<T>>;
  watch(opts: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** A deleted object whose deletion was not seen, only its absence from a relist: obj is its last known state. */
export class DeletedFinalStateUnknown<T> {
  constructor(readonly key: string, readonly obj: T) {}
}

/** The store key of a deleted object or tombstone (client-go's DeletionHandlingMetaNamespaceKeyFunc). */
export function deletedKey<T extends KubeObject>(obj: T | DeletedFinalStateUnknown<T>): string {
  return obj instanceof DeletedFinalStateUnknown ? obj.key : keyOf(obj);
}

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called for every object a relist still finds (old and new may be equal), as client-go's resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the final state from the DELETED event, or a tombstone when a relist found it gone. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface InformerDeps<T> {
  source: ListerWatcher<T>;
  /** Measures how long a watch lasted. */
  clock: Clock;
  timers: Timers;
  labelSelector?: string;
  fieldSelector?: string;
  /** Named index functions for Indexer.byIndex. */
  indexers?: ReadonlyMap<string, IndexFn<T>>;
  /** List page size (default 500, client-go's). */
  pageSize?: number;
  /** The server ends each watch after this, so a stuck connection cannot go unnoticed forever. Default: 5 to 10 min, picked per watch as client-go does, so informers started together do not re-watch together. */
  watchTimeoutSeconds?: number;
  /** [0, 1) for that pick (Math.random). */
  random?: () => number;
  /** Told about each list/watch failure before the retry, and about a handler that threw. */
  onError?(err: unknown): void;
}

export const BACKOFF_INITIAL_MS = 800;
export const BACKOFF_MAX_MS = 30_000;
const VERY_SHORT_WATCH_MS = 1000;
const MIN_WATCH_TIMEOUT_S = 300;

export class Informer<T extends KubeObject> {
  readonly store: Indexer<T>;
  readonly #handlers: EventHandlers<T>[] = [];
  readonly #abort = new AbortController();
  #synced = false;
  #running: Promise<void> | undefined;
  #resourceVersion = '';
  #backoffMs = BACKOFF_INITIAL_MS;
  #syncWaiters: (() => void)[] = [];

  constructor(private readonly deps: InformerDeps<T>) {
    this.store = new Indexer<T>(deps.indexers);
  }

  /** Adds handlers; on a running informer they first get onAdd for every cached object. */
  addHandlers(h: EventHandlers<T>): void {
    this.#handlers.push(h);
    if (this.#synced) for (const obj of this.store.list()) this.#call(() => h.onAdd?.(obj));
  }

  /** Starts listing and watching (once). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Whether the first list has been stored and handed to the handlers. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once hasSynced(), or when stopped. */
  waitForSync(): Promise<void> {
    if (this.#synced || this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Ends the watch and any backoff wait; resolves when the loop has finished. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const w of this.#syncWaiters.splice(0)) w();
    await this.#running;
  }

  /** The resourceVersion the next watch resumes from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#listAndReplace();
          needList = false;
          this.#backoffMs = BACKOFF_INITIAL_MS;
        }
        await this.#watch();
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          needList = true; // too old: nothing to wait for, the list is the cure
          continue;
        }
        this.deps.onError?.(err);
        await sleep(this.deps.timers, this.#backoffMs, signal);
        this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
      }
    }
  }

  #selectors(): { labelSelector?: string; fieldSelector?: string } {
    const { labelSelector, fieldSelector } = this.deps;
    return { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) };
  }

  /** Lists every page, then makes the store equal to it: adds, updates, tombstoned deletes. */
  async #listAndReplace(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.deps.source.list({ ...this.#selectors(), limit: this.deps.pageSize ?? 500, ...(cont ? { continue: cont } : {}) });
      items.push(...page.items);
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue || undefined;
    } while (cont && !this.#abort.signal.aborted);
    if (this.#abort.signal.aborted) return;
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(keyOf(obj));
      const old = this.store.upsert(obj);
      this.#emit((h) => (old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj)));
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const last = this.store.remove(key);
      if (last) this.#emit((h) => h.onDelete?.(new DeletedFinalStateUnknown(key, last)));
    }
    this.#resourceVersion = rv;
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  async #watch(): Promise<void> {
    const events = this.deps.source.watch({
      ...this.#selectors(), resourceVersion: this.#resourceVersion, allowWatchBookmarks: true,
      timeoutSeconds: this.deps.watchTimeoutSeconds ?? Math.floor(MIN_WATCH_TIMEOUT_S * (1 + (this.deps.random ?? Math.random)())), signal: this.#abort.signal,
    });
    const began = this.deps.clock.monotonic();
    let delivered = false;
    for await (const { type, object } of events) {
      delivered = true;
      const rv = object.metadata.resourceVersion;
      if (type === 'ADDED' || type === 'MODIFIED') {
        const old = this.store.upsert(object);
        this.#emit((h) => (old ? h.onUpdate?.(old, object) : h.onAdd?.(object)));
      } else if (type === 'DELETED') {
        this.store.remove(keyOf(object));
        this.#emit((h) => h.onDelete?.(object));
      }
      if (rv) this.#resourceVersion = rv;
      this.#backoffMs = BACKOFF_INITIAL_MS; // the watch works again
    }
    if (!delivered && !this.#abort.signal.aborted && this.deps.clock.monotonic() - began < VERY_SHORT_WATCH_MS) {
      throw new Error(`very short watch: ended within ${VERY_SHORT_WATCH_MS} ms without an event`);
    }
  }

  #emit(call: (h: EventHandlers<T>) => void): void {
    for (const h of this.#handlers) this.#call(() => call(h));
  }

  /** A handler that throws must not stop the informer or the other handlers. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.onError?.(err);
    }
  }
}
