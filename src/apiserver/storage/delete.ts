// DELETE as upstream's genericregistry.Store does it: the strategy's refusal, preconditions,
// validating admission, then the strategy marks the object (finalizers, a pod's grace, a
// namespace's Terminating: it stays) or it goes now and the strategy frees what it held;
// and deletecollection.
import type { ResourceInfo } from '../../api/resources.js';
import { StoreError } from '../../store/types.js';
import { badRequest, conflict, notFound } from '../status.js';
import { decode, encode, objectKey, type Obj } from './codec.js';
import { storeToApi } from './errors.js';
import type { ListQuery, Registry } from './registry.js';
import { storeWriteOptions } from './strategies/types.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as deleted, or as it stays (being deleted) when `pending`. */
  object: Obj;
  /** True when it still exists (finalizers or grace period). */
  pending: boolean;
  /** The answer is the object, not a Status: it still exists, or its resource returns what it deleted. */
  returnObject: boolean;
}

/** Throws ApiError 400 (bad options), 404, 409 (precondition or race lost too often). */
export async function deleteObject(reg: Registry, r: ResourceInfo, ns: string, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  const { store } = reg.deps;
  const key = objectKey(r, ns, name);
  const strategy = reg.strategies.for(r);
  strategy.checkDelete(name);
  // Past 2^53 a number is no longer the integer sent (upstream's int64 refuses 1e300 too).
  if (opts.gracePeriodSeconds !== undefined && (!Number.isSafeInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw badRequest(`gracePeriodSeconds: Invalid value: ${opts.gracePeriodSeconds}: must be >= 0`);
  }
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  for (let attempt = 0; ; attempt++) {
    const kv = await store.get(key).catch((err) => { throw storeToApi(err, r, name); });
    if (!kv) throw notFound(r.plural, name, r.group);
    const obj = decode(kv, r);
    const m = obj.metadata;
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== m.uid) {
      throw conflict(r.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${m.uid}`, r.group);
    }
    if (pre.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
      throw conflict(r.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${m.resourceVersion}`, r.group);
    }
    await reg.deps.hooks.admission.validate({ operation: 'DELETE', group: r.group, resource: r.plural, subresource: '', namespace: ns, name, oldObject: obj, dryRun: Boolean(opts.dryRun) });
    const marked = strategy.markForDeletion(obj, { gracePeriodSeconds: opts.gracePeriodSeconds, now: new Date(reg.deps.clock.now()) });
    const pending = (object: Obj): DeleteResult => ({ object, pending: true, returnObject: true });
    const gone: DeleteResult = { object: obj, pending: false, returnObject: strategy.returnDeletedObject };
    try {
      if (marked) {
        if (opts.dryRun) return pending(marked);
        // Already marked the same way: nothing to write.
        if (JSON.stringify(marked.metadata) === JSON.stringify(m) && JSON.stringify(marked.status) === JSON.stringify(obj.status)) return pending(obj);
        // An Event held by a finalizer still expires (upstream's SimpleUpdate here drops the lease).
        const rev = await store.update(key, encode(marked, r), kv.modRevision, storeWriteOptions(strategy));
        marked.metadata.resourceVersion = String(rev);
        return pending(marked);
      }
      if (opts.dryRun) return gone;
      await store.delete(key, kv.modRevision);
      await strategy.afterDelete(obj);
      return gone;
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict' && !pre.resourceVersion && attempt < 16) continue;
      if (err instanceof StoreError && err.kind === 'notFound') throw notFound(r.plural, name, r.group);
      throw storeToApi(err, r, name);
    }
  }
}

/** Deletes every object the list query selects; returns the List of them. Throws as list/delete. */
export async function deleteCollection(reg: Registry, r: ResourceInfo, ns: string, q: ListQuery, opts: DeleteOptions = {}): Promise<Obj> {
  const list = await reg.list(r, ns, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
  const items: Obj[] = [];
  for (const item of list.items) {
    try {
      items.push((await deleteObject(reg, r, item.metadata.namespace ?? '', item.metadata.name ?? '', opts)).object);
    } catch (err) {
      // Gone in the meantime: someone else deleted it, which is what was asked.
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return { ...list, items };
}
