// The generic REST storage over the Store seam, one instance for all resources (upstream's
// genericregistry.Store): get, list, create, update, patch, delete, deletecollection with
// Kubernetes resourceVersion semantics. Watch is in watch.ts, deletion in delete.ts, and what
// differs between resources in its strategy (strategies/), never named here; the HTTP layer only decodes requests and encodes what this returns.
import type { ResourceInfo } from '../../api/resources.js';
import { findResource } from '../../api/resources.js';
import { isObject, type ListMeta } from '../../api/types.js';
import type { Clock } from '../../host/clock.js';
import type { Store } from '../../store/types.js';
import { StoreError } from '../../store/types.js';
import type { WriteAttributes } from '../admission/types.js';
import type { Gvk, ServerHooks } from '../hooks.js';
import { apiError, badRequest, conflict, invalid, notFound } from '../status.js';
import { Cacher } from './cacher.js';
import { WatchCacheBudget } from './watch-cache-budget.js';
import { decode, encode, listPrefix, objectKey, resourcePrefix, tombstone, type Obj, type ObjList } from './codec.js';
import { decodeContinue, encodeContinue } from './continue.js';
import { storeToApi } from './errors.js';
import { generatedName, nameCauses, timestamp } from './meta.js';
import { fieldMatcher, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { section } from './fields.js';
import type { Strategies } from './strategies/index.js';
import { finishNothing, storeWriteOptions } from './strategies/types.js';

export interface RegistryDeps {
  store: Store;
  hooks: ServerHooks;
  clock: Clock;
  /** What differs per resource. */
  strategies: Strategies;
  /** Bytes all watch caches together hold at most (--watch-cache-size-bytes; default 32 MiB). */
  watchCacheBytes?: number;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Set when the request is on the status subresource: only status changes. */
  subresource?: string;
  /** Server-side apply already recorded the managed fields (operation Apply). */
  applied?: boolean;
}

export const gvkOf = (r: ResourceInfo): Gvk => ({ group: r.group, version: r.version, kind: r.kind });
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const MAX_CAS_RETRIES = 16;

/** Compiles selectors into one predicate. Throws ApiError 400 on a bad selector. */
export function selectorPredicate(r: ResourceInfo, q: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): ((o: Obj) => boolean) | undefined {
  const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
  const fields = q.fieldSelector ? fieldMatcher(r, parseFieldSelector(q.fieldSelector)) : undefined;
  if (!labels.length && !fields) return undefined;
  return (o) => matchLabels(labels, o.metadata?.labels) && (!fields || fields(o));
}

/** Parses a resourceVersion parameter. Throws ApiError 400 when it is not a number. */
export function parseRv(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version "${rv}"`);
  return Number(rv);
}

export class Registry {
  /** Watch caches by resource prefix, started by the first watch of the type. */
  private readonly cachers = new Map<string, Promise<Cacher>>();
  private closed = false;
  readonly strategies: Strategies;
  /** The byte bound every type's watch cache shares. */
  readonly watchCacheBudget: WatchCacheBudget;

  constructor(readonly deps: RegistryDeps) {
    this.strategies = deps.strategies;
    this.watchCacheBudget = new WatchCacheBudget(deps.watchCacheBytes);
  }

  /** The watch cache of `r` (started on first use). Rejects ApiError when the store cannot tell its revision. */
  async watchCache(r: ResourceInfo): Promise<Cacher> {
    const prefix = resourcePrefix(r);
    const known = this.cachers.get(prefix);
    if (known) {
      const cacher = await known;
      if (cacher.alive || this.closed) return cacher;
    }
    const started = (async () => {
      const revision = await this.deps.store.revision().catch((err) => { throw storeToApi(err, r); });
      const cacher: Cacher = new Cacher(this.deps.store, prefix, revision, () => {
        if (this.cachers.get(prefix) === started) this.cachers.delete(prefix);
      }, { budget: this.watchCacheBudget, tombstone: (key, rev) => tombstone(r, key, rev) });
      if (this.closed) cacher.stop();
      return cacher;
    })();
    this.cachers.set(prefix, started);
    started.catch(() => this.cachers.delete(prefix));
    return started;
  }

  /** Stops the watch caches (open watches end; the store stays open). Never throws. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.cachers.values()];
    this.cachers.clear();
    for (const c of await Promise.allSettled(all)) if (c.status === 'fulfilled') c.value.stop();
  }

  private now(): string { return timestamp(new Date(this.deps.clock.now())); }

  /**
   * The latest object. A resourceVersion is a minimum, as upstream's get: "0" takes any, a
   * revision the store has not reached is a 504; the past is never served (it was: a GET at an
   * old resourceVersion returned the object's old or deleted contents). Throws ApiError 404/504/400.
   */
  async get(r: ResourceInfo, ns: string, name: string, resourceVersion?: string): Promise<Obj> {
    const rv = parseRv(resourceVersion);
    let kv;
    try {
      if (rv && (await this.deps.store.revision()) < rv) throw new StoreError('futureRevision', 'too large', { revision: rv });
      kv = await this.deps.store.get(objectKey(r, ns, name));
    } catch (err) {
      throw storeToApi(err, r, name);
    }
    if (!kv) throw notFound(r.plural, name, r.group);
    return decode(kv, r);
  }

  /** A <Kind>List honouring selectors, limit/continue and resourceVersion(Match). Throws ApiError 400/410/504. */
  async list(r: ResourceInfo, ns: string, q: ListQuery): Promise<ObjList> {
    const match = selectorPredicate(r, q);
    const prefix = listPrefix(r, ns);
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    let revision: number | undefined;
    let after: string | undefined;
    if (q.continue) {
      const token = decodeContinue(q.continue, prefix);
      revision = token.revision;
      after = token.after;
    } else {
      const rv = parseRv(q.resourceVersion);
      if (q.resourceVersionMatch && !['Exact', 'NotOlderThan'].includes(q.resourceVersionMatch)) {
        throw badRequest(`resourceVersionMatch: Unsupported value: "${q.resourceVersionMatch}": supported values: "Exact", "NotOlderThan"`);
      }
      if (q.resourceVersionMatch && rv === undefined) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (q.resourceVersionMatch === 'Exact') {
        if (!rv) throw badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
        revision = rv;
      } else if (rv) {
        const current = await this.deps.store.revision();
        if (current < rv) throw storeToApi(new StoreError('futureRevision', 'too large', { revision: rv }), r);
      }
    }
    const items: Obj[] = [];
    let lastKey: string | undefined;
    let more = false;
    let readAt = revision;
    let remaining = 0;
    try {
      while (true) {
        const want = limit ? Math.max(limit - items.length, match ? 64 : 0) : 0;
        const page = await this.deps.store.list(prefix, { revision: readAt, limit: want, after });
        readAt = page.revision;
        let i = 0;
        for (; i < page.items.length; i++) {
          const kv = page.items[i]!;
          const obj = decode(kv, r);
          lastKey = kv.key;
          if (!match || match(obj)) items.push(obj);
          if (limit && items.length >= limit) break;
        }
        const leftInPage = page.items.length - Math.min(i + 1, page.items.length);
        remaining = page.remaining + leftInPage;
        if (limit && items.length >= limit) { more = remaining > 0; break; }
        if (!page.remaining || !limit) break;
        after = lastKey;
      }
    } catch (err) {
      if (q.continue && err instanceof StoreError && err.kind === 'compacted') {
        throw apiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw storeToApi(err, r);
    }
    const metadata: ListMeta = { resourceVersion: String(readAt ?? (await this.deps.store.revision())) };
    if (more && lastKey) {
      metadata.continue = encodeContinue(readAt!, prefix, lastKey);
      if (!match) metadata.remainingItemCount = remaining;
    }
    return { kind: `${r.kind}List`, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata, items };
  }

  /** Creates the object (name from generateName when asked). Throws ApiError 400/403/404/409/422. */
  async create(r: ResourceInfo, ns: string, body: object, opts: WriteOptions = {}): Promise<Obj> {
    const obj = this.checkBody(r, ns, body);
    const m = obj.metadata;
    if (r.namespaced) await this.checkNamespaceOpen(ns);
    const causes = nameCauses(m.name, m.generateName);
    if (causes.length) throw invalid(r.kind, m.name ?? '', causes, r.group);
    const gvk = gvkOf(r);
    const { admission } = this.deps.hooks;
    const strategy = this.strategies.for(r);
    // A CSR records who asks as its requestor (the request scope's user; none for the server's own).
    strategy.prepareForCreate(obj, { now: new Date(this.deps.clock.now()), requestor: admission.requester() });
    this.deps.hooks.defaultObject(gvk, obj);
    // Built per phase: a generated name is known only from the validating phase on.
    const attrs = (): WriteAttributes => ({ operation: 'CREATE', group: r.group, resource: r.plural, subresource: '', namespace: ns, name: m.name ?? '', object: obj, dryRun: Boolean(opts.dryRun) });
    await admission.admit(attrs());
    strategy.prepareAdmittedForCreate(obj);
    const generate = !m.name;
    for (let attempt = 0; ; attempt++) {
      const name = generate ? generatedName(m.generateName ?? '') : m.name ?? '';
      m.name = name;
      const problems = this.deps.hooks.validateObject(gvk, obj);
      if (problems.length) throw invalid(r.kind, name, problems, r.group);
      await admission.validate(attrs());
      if (!opts.applied) this.deps.hooks.updateManagedFields(undefined, obj, opts.fieldManager ?? 'unknown', 'Update', this.now());
      const finish = await strategy.beginCreate(obj, { dryRun: Boolean(opts.dryRun) });
      let written = false;
      try {
        if (opts.dryRun) {
          written = true;
          return obj;
        }
        const rev = await this.deps.store.create(objectKey(r, ns, name), encode(obj, r), storeWriteOptions(strategy));
        written = true;
        m.resourceVersion = String(rev);
        return obj;
      } catch (err) {
        // A generated name that collides is retried, as upstream does, a few times.
        if (generate && attempt < 3 && err instanceof StoreError && err.kind === 'exists') continue;
        throw storeToApi(err, r, name);
      } finally {
        await finish(written);
      }
    }
  }

  /**
   * Replaces the object (PUT). A resourceVersion in the body is a precondition (409 when stale);
   * without one the update is unconditional. On the status subresource only status changes.
   * Throws ApiError 400/404/409/422.
   */
  async update(r: ResourceInfo, ns: string, name: string, body: object, opts: WriteOptions = {}): Promise<Obj> {
    const obj = this.checkBody(r, ns, body);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    return this.guaranteedUpdate(r, ns, name, opts, () => obj, 'Update');
  }

  /**
   * Reads, transforms and compare-and-swaps until it lands (upstream GuaranteedUpdate). A
   * precondition resourceVersion on what `transform` returns turns a lost race into 409.
   * `create` is called instead when the object is absent and it is given (apply).
   */
  async guaranteedUpdate(r: ResourceInfo, ns: string, name: string, opts: WriteOptions,
    transform: (current: Obj) => object, operation: 'Update' | 'Apply', create?: () => Promise<Obj>): Promise<Obj> {
    const key = objectKey(r, ns, name);
    const gvk = gvkOf(r);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.deps.store.get(key).catch((err) => { throw storeToApi(err, r, name); });
      if (!kv) {
        if (create) return create();
        throw notFound(r.plural, name, r.group);
      }
      const old = decode(kv, r);
      // The transform's object (a client's body or a patched copy) with its metadata ensured.
      let next = structuredClone(transform(structuredClone(old))) as Obj;
      next.metadata ??= {};
      const wantRv = next.metadata.resourceVersion;
      if (wantRv && wantRv !== old.metadata.resourceVersion) {
        throw conflict(r.plural, name, 'the object has been modified; please apply your changes to the latest version and try again', r.group);
      }
      const strategy = this.strategies.for(r);
      if (opts.subresource === 'status' || opts.subresource === 'approval') {
        next = strategy.prepareForSubresourceUpdate(next, old, opts.subresource);
      } else if (opts.subresource !== 'binding') {
        // (binding writes spec.nodeName and a status condition together, as upstream's does)
        strategy.prepareForUpdate(next, old);
        this.deps.hooks.defaultObject(gvk, next);
      }
      next.apiVersion = old.apiVersion;
      next.kind = old.kind;
      const attrs: WriteAttributes = { operation: 'UPDATE', group: r.group, resource: r.plural, subresource: opts.subresource ?? '', namespace: ns, name, object: next, oldObject: old, dryRun: Boolean(opts.dryRun) };
      await this.deps.hooks.admission.admit(attrs);
      const problems = this.deps.hooks.validateObject(gvk, next, old);
      if (problems.length) throw invalid(r.kind, name, problems, r.group);
      await this.deps.hooks.admission.validate(attrs);
      if (operation === 'Update') this.deps.hooks.updateManagedFields(old, next, opts.fieldManager ?? 'unknown', 'Update', this.now(), opts.subresource || undefined);
      // Writes to subresources never take anything from outside the object.
      const finish = opts.subresource ? finishNothing : await strategy.beginUpdate(next, old, { dryRun: Boolean(opts.dryRun) });
      let landed = false;
      try {
        const bytes = encode(next, r);
        // Nothing changed: no write, the resourceVersion stays (upstream skips no-op updates).
        // The stored bytes are encode()'s own output, so they compare without re-encoding `old`.
        if (bytes.equals(kv.value)) {
          landed = true;
          return old;
        }
        if (opts.dryRun) {
          landed = true;
          return next;
        }
        if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && old.metadata.finalizers?.length && strategy.deleteWhenFinalized(next)) {
          // The last finalizer went away from an object being deleted: it is gone now.
          try {
            await this.deps.store.delete(key, kv.modRevision);
          } catch (err) {
            if (err instanceof StoreError && err.kind === 'conflict' && attempt < MAX_CAS_RETRIES) continue;
            throw storeToApi(err, r, name);
          }
          landed = true;
          await strategy.afterDelete(next);
          return next;
        }
        try {
          const rev = await this.deps.store.update(key, bytes, kv.modRevision, storeWriteOptions(strategy));
          landed = true;
          next.metadata.resourceVersion = String(rev);
          return next;
        } catch (err) {
          if (err instanceof StoreError && (err.kind === 'conflict' || err.kind === 'notFound') && !wantRv && attempt < MAX_CAS_RETRIES) continue;
          throw storeToApi(err, r, name);
        }
      } finally {
        await finish(landed);
      }
    }
  }

  /**
   * PATCH: json, merge and strategic patches through hooks.applyPatch, apply through
   * hooks.serverSideApply (creating the object when absent). Throws ApiError 400/404/409/415/422.
   */
  async patch(r: ResourceInfo, ns: string, name: string, contentType: string, patch: unknown,
    opts: WriteOptions & { force?: boolean; onCreate?: () => void } = {}): Promise<Obj> {
    const gvk = gvkOf(r);
    const type = contentType.split(';')[0]!.trim();
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') {
      if (!opts.fieldManager) throw badRequest('PATCH requests using the apply patch type require fieldManager');
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('apply patch must be an object');
      const applied = patch as Obj;
      if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
        throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      }
      const sso = { manager: opts.fieldManager, force: Boolean(opts.force), gvk, now: this.now() };
      return this.guaranteedUpdate(r, ns, name, opts,
        (current) => this.deps.hooks.serverSideApply(current, applied, sso) as Obj, 'Apply',
        () => {
          if (opts.subresource) throw notFound(r.plural, name, r.group);
          const created = this.deps.hooks.serverSideApply(undefined, { ...applied, metadata: { ...applied.metadata, name } }, sso) as Obj;
          opts.onCreate?.();
          return this.create(r, ns, created, { dryRun: opts.dryRun, fieldManager: opts.fieldManager, applied: true });
        });
    }
    if (!['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].includes(type)) {
      throw apiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    return this.guaranteedUpdate(r, ns, name, opts, (current) => {
      const next = this.deps.hooks.applyPatch(type, current, patch, gvk) as Obj;
      if (next?.metadata?.name !== undefined && next.metadata.name !== name) {
        throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
      }
      return next;
    }, 'Update');
  }

  /** Throws ApiError 400 when kind/apiVersion/namespace in the body disagree with the URL. */
  private checkBody(r: ResourceInfo, ns: string, body: unknown): Obj {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON or YAML object');
    // An object of the kind once its metadata is checked to be an object, below.
    const obj = structuredClone(body) as Obj;
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== r.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
    }
    obj.apiVersion = apiVersion;
    obj.kind = r.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
    if (r.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  /** NamespaceLifecycle admission. Throws ApiError 404 (no namespace) / 403 (terminating). */
  private async checkNamespaceOpen(ns: string): Promise<void> {
    const kv = await this.deps.store.get(objectKey(NAMESPACES, '', ns));
    if (!kv) throw notFound('namespaces', ns);
    const nsObj = decode(kv);
    if (nsObj.metadata.deletionTimestamp || section(nsObj.status).phase === 'Terminating') {
      throw apiError(403, 'Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, {
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }
}
