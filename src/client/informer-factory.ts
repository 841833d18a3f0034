// One informer per (resource, namespace, selectors) for a whole process, as client-go's
// SharedInformerFactory: the kubelet's pod worker and its status manager, or two controllers
// watching pods, share one list+watch and one cache instead of each opening their own.
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../host/clock.js';
import type { Client } from './client.js';
import type { IndexFn } from './indexer.js';
import { Informer } from './informer.js';
import type { ResourceRef } from './resource.js';
import type { Timers } from './timers.js';

export interface InformerFactoryDeps {
  client: Client;
  clock: Clock;
  timers: Timers;
  onError?(err: unknown): void;
}

export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export class InformerFactory {
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #started = false;

  constructor(private readonly deps: InformerFactoryDeps) {}

  /**
   * The informer for ref within scope, made on first use (and started if the factory is).
   * indexers are added to it (a name already used by another function throws). T is the
   * caller's word for what ref serves, as with Client.resource.
   */
  informer<T extends KubeObject>(ref: ResourceRef, scope: InformerScope = {}, indexers: ReadonlyMap<string, IndexFn<T>> = new Map()): Informer<T> {
    const id = JSON.stringify([ref.group, ref.version, ref.plural, scope.namespace ?? '', scope.labelSelector ?? '', scope.fieldSelector ?? '']);
    let inf = this.#informers.get(id);
    if (!inf) {
      inf = new Informer<KubeObject>({
        source: this.deps.client.resource(ref, scope.namespace), clock: this.deps.clock, timers: this.deps.timers,
        ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
        ...(scope.fieldSelector ? { fieldSelector: scope.fieldSelector } : {}),
        ...(this.deps.onError ? { onError: this.deps.onError } : {}),
      });
      this.#informers.set(id, inf);
      if (this.#started) inf.start();
    }
    // The cache holds whatever the server sends for ref; T narrows it for the caller.
    const typed = inf as unknown as Informer<T>;
    for (const [name, fn] of indexers) typed.store.addIndex(name, fn);
    return typed;
  }

  /** Starts every informer made so far and any made later. */
  start(): void {
    this.#started = true;
    for (const inf of this.#informers.values()) inf.start();
  }

  /** Resolves when every informer has synced (or been stopped). */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}
