// DELETE as upstream does it: preconditions, finalizers (the object stays, marked with
// deletionTimestamp, until they are gone), graceful pod deletion (the pod stays until the
// kubelet confirms with grace 0; an unscheduled or finished pod goes at once), namespaces
// (Terminating; namespaces.ts empties them), and deletecollection.
import type { ResourceInfo } from '../../api/resources.js';
import { StoreError } from '../../store/types.js';
import { badRequest, conflict, notFound } from '../status.js';
import { decode, encode, objectKey, type Obj } from './codec.js';
import { storeToApi } from './errors.js';
import { timestamp } from './meta.js';
import { refuseSystemClassDelete } from './priority-classes.js';
import type { ListQuery, Registry } from './registry.js';

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
}

const DEFAULT_POD_GRACE = 30;
/** The last instant RFC 3339 can write with a four-digit year (what Go clients parse). */
const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Throws ApiError 400 (bad options), 404, 409 (precondition or race lost too often). */
export async function deleteObject(reg: Registry, r: ResourceInfo, ns: string, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  const { store } = reg.deps;
  const key = objectKey(r, ns, name);
  refuseSystemClassDelete(r, name);
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
    const marked = markForDeletion(r, obj, opts, reg.deps.now());
    try {
      if (marked) {
        if (opts.dryRun) return { object: marked, pending: true };
        // Already marked the same way: nothing to write.
        if (JSON.stringify(marked.metadata) === JSON.stringify(m) && JSON.stringify(marked.status) === JSON.stringify(obj.status)) return { object: obj, pending: true };
        const rev = await store.update(key, encode(marked, r), kv.modRevision);
        marked.metadata.resourceVersion = String(rev);
        return { object: marked, pending: true };
      }
      if (opts.dryRun) return { object: obj, pending: false };
      await store.delete(key, kv.modRevision);
      if (r.plural === 'services') await reg.deps.hooks.releaseService(obj);
      return { object: obj, pending: false };
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict' && !pre.resourceVersion && attempt < 16) continue;
      if (err instanceof StoreError && err.kind === 'notFound') throw notFound(r.plural, name, r.group);
      throw storeToApi(err, r, name);
    }
  }
}

/** The object marked as being deleted, or undefined when it can go now. Never throws. */
function markForDeletion(r: ResourceInfo, obj: Obj, opts: DeleteOptions, now: Date): Obj | undefined {
  const m = obj.metadata;
  const next = structuredClone(obj);
  const nm = next.metadata;
  if (r.plural === 'pods') {
    const spec = obj.spec ?? {};
    const terminal = obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed';
    let grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE;
    if (!spec.nodeName || terminal) grace = 0;
    // A pending graceful deletion can only be shortened.
    if (m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds < grace) grace = m.deletionGracePeriodSeconds;
    if (grace > 0) {
      if (m.deletionGracePeriodSeconds === grace) return next;
      // A grace of millions of years is allowed (int64 upstream); the timestamp stops at year 9999.
      nm.deletionTimestamp = timestamp(new Date(Math.min(now.getTime() + grace * 1000, LATEST_TIMESTAMP_MS)));
      nm.deletionGracePeriodSeconds = grace;
      return next;
    }
    if (m.finalizers?.length) {
      nm.deletionTimestamp ??= timestamp(now);
      nm.deletionGracePeriodSeconds = 0;
      return next;
    }
    return undefined;
  }
  if (r.plural === 'namespaces') {
    if (!m.deletionTimestamp) {
      nm.deletionTimestamp = timestamp(now);
      nm.deletionGracePeriodSeconds = 0;
    }
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    return next;
  }
  if (m.finalizers?.length) {
    nm.deletionTimestamp ??= timestamp(now);
    nm.deletionGracePeriodSeconds ??= 0;
    return next;
  }
  return undefined;
}

/** Deletes every object the list query selects; returns the List of them. Throws as list/delete. */
export async function deleteCollection(reg: Registry, r: ResourceInfo, ns: string, q: ListQuery, opts: DeleteOptions = {}): Promise<Obj> {
  const list = await reg.list(r, ns, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
  const items: Obj[] = [];
  for (const item of list.items as Obj[]) {
    try {
      items.push((await deleteObject(reg, r, item.metadata.namespace ?? '', item.metadata.name, opts)).object);
    } catch (err) {
      // Gone in the meantime: someone else deleted it, which is what was asked.
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return { ...list, items };
}
