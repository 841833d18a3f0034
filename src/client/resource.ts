// A typed client for one resource (pods, nodes, leases...), optionally bound to a namespace:
// the verbs of client-go's typed clients over the shared RestClient. Every method rejects with
// ApiStatusError carrying the server's Status (see errors.ts for isNotFound and friends).
import type { KubeList, KubeObject, Status } from '../api/types.js';
import { ApiStatusError } from './errors.js';
import type { RestClient } from './rest.js';

/** Which resource: group '' is the core API (/api/v1). */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Ends the watch: the iterator then finishes without an error. */
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

const patchMediaType = new Map<PatchType, string>([
  ['merge', 'application/merge-patch+json'],
  ['strategic', 'application/strategic-merge-patch+json'],
  ['json', 'application/json-patch+json'],
  ['apply', 'application/apply-patch+yaml'],
]);

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take over fields other managers own. */
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

const WATCH_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

export class ResourceClient<T extends KubeObject> {
  constructor(
    private readonly rest: RestClient,
    readonly ref: ResourceRef,
    /** Bound namespace; when omitted, lists and watches span all namespaces and writes use the object's. */
    readonly namespace?: string,
  ) {}

  /** Gets one object (or its subresource). NotFound when absent. */
  get(name: string, opts: { resourceVersion?: string; subresource?: string } = {}): Promise<T> {
    return this.rest.call<T>({ method: 'GET', path: this.path(this.namespace, name, opts.subresource), query: { resourceVersion: opts.resourceVersion } });
  }

  /** One page (or all, without limit). Gone (410) when continue or resourceVersion is too old. */
  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.rest.call<KubeList<T>>({ method: 'GET', path: this.path(this.namespace), query: { ...opts } });
  }

  /** Creates obj (in the bound namespace or obj's). AlreadyExists, Invalid, Forbidden... */
  create(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.call<T>({ method: 'POST', path: this.path(this.nsOf(obj)), body: obj, query: writeQuery(opts) });
  }

  /** Replaces obj; Conflict when metadata.resourceVersion is stale. */
  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.call<T>({ method: 'PUT', path: this.path(this.nsOf(obj), nameOf(obj)), body: obj, query: writeQuery(opts) });
  }

  /** Replaces obj's status subresource; the rest of obj is ignored by the server. */
  updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.rest.call<T>({ method: 'PUT', path: this.path(this.nsOf(obj), nameOf(obj), 'status'), body: obj, query: writeQuery(opts) });
  }

  /** Patches name (or its subresource). Apply needs fieldManager; an applied conflict is Conflict unless force. */
  patch(name: string, type: PatchType, patch: unknown, opts: PatchOptions & { subresource?: string } = {}): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new TypeError('server-side apply needs a fieldManager');
    return this.rest.call<T>({
      method: 'PATCH', path: this.path(this.namespace, name, opts.subresource), body: patch, contentType: patchMediaType.get(type) ?? 'application/merge-patch+json',
      query: { ...writeQuery(opts), force: type === 'apply' && opts.force ? true : undefined },
    });
  }

  /**
   * Deletes name. Resolves with the object when it is kept for finalizers or graceful deletion,
   * with the server's success Status when it is gone. Conflict when a precondition fails.
   */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    const { dryRun, ...body } = opts;
    return this.rest.call<T | Status>({
      method: 'DELETE', path: this.path(this.namespace, name), body: { apiVersion: 'v1', kind: 'DeleteOptions', ...body }, query: { dryRun: dryRun ? 'All' : undefined },
    });
  }

  /**
   * POSTs body to a subresource of name: pods/binding, pods/eviction, serviceaccounts/token.
   * Resolves with the server's answer (the created Binding's Status, the TokenRequest...).
   */
  createSubresource<R = unknown>(name: string, subresource: string, body: unknown, opts: WriteOptions = {}): Promise<R> {
    return this.rest.call<R>({ method: 'POST', path: this.path(this.namespace, name, subresource), body, query: writeQuery(opts) });
  }

  /**
   * Watches from opts.resourceVersion. Yields ADDED/MODIFIED/DELETED/BOOKMARK events; ends
   * when the server closes (timeoutSeconds) or the signal aborts. An ERROR event (such as 410
   * Gone for a too old resourceVersion) rejects with ApiStatusError carrying its Status.
   */
  async *watch(opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const { signal, ...query } = opts;
    const lines = this.rest.lines({ method: 'GET', path: this.path(this.namespace), query: { ...query, watch: true }, ...(signal ? { signal } : {}) });
    for await (const line of lines) {
      const event = JSON.parse(line) as { type?: unknown; object?: unknown };
      if (event.type === 'ERROR') throw new ApiStatusError(event.object as Status);
      if (typeof event.type !== 'string' || !WATCH_TYPES.has(event.type)) throw new Error(`watch: unexpected event type ${String(event.type)}`);
      yield { type: event.type as WatchEventType, object: event.object as T };
    }
  }

  /** The URL path of the collection, or of one object and its subresource. */
  path(namespace: string | undefined, name?: string, subresource?: string): string {
    const { group, version, plural } = this.ref;
    const parts = [group === '' ? `/api/${version}` : `/apis/${group}/${version}`];
    if (namespace) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(plural);
    if (name !== undefined) {
      if (name === '') throw new TypeError('resource name may not be empty');
      parts.push(encodeURIComponent(name));
    }
    if (subresource) parts.push(subresource);
    return parts.join('/');
  }

  private nsOf(obj: T): string | undefined {
    return this.namespace ?? obj.metadata.namespace;
  }
}

const nameOf = (obj: KubeObject): string => {
  if (!obj.metadata.name) throw new TypeError('the object has no metadata.name');
  return obj.metadata.name;
};

const writeQuery = (opts: WriteOptions) => ({ dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager });
