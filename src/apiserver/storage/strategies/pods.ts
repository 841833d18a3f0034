// Pods (upstream pkg/registry/core/pod): Pending at birth, qosClass from the admitted spec,
// owner references kept on status writes, and graceful deletion: a scheduled, running pod
// stays (deletionTimestamp in the future) until the kubelet deletes it with grace 0; an
// unscheduled or finished pod goes at once. DELETE answers with the pod, as upstream's.
import type { ResourceInfo } from '../../../api/resources.js';
import { podQosClass } from '../../../api/qos.js';
import type { Obj } from '../codec.js';
import { numberOf, section } from '../fields.js';
import { keepMeta, timestamp } from '../meta.js';
import { genericStrategy, markFinalized } from './generic.js';
import type { DeletionContext, ResourceStrategy } from './types.js';

const DEFAULT_POD_GRACE = 30;
/** The last instant RFC 3339 can write with a four-digit year (what Go clients parse). */
const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

export function podStrategy(r: ResourceInfo): ResourceStrategy {
  const base = genericStrategy(r);
  return {
    ...base,
    prepareForCreate(obj, ctx) {
      base.prepareForCreate(obj, ctx);
      obj.status = { phase: 'Pending' };
    },
    prepareAdmittedForCreate(obj) {
      // After LimitRanger's defaults: the class follows the requests and limits admitted.
      obj.status = { ...(obj.status ?? {}), qosClass: podQosClass(obj.spec) };
    },
    prepareForSubresourceUpdate(next, old, subresource) {
      const out = base.prepareForSubresourceUpdate(next, old, subresource);
      keepMeta(out, old, 'ownerReferences');
      return out;
    },
    markForDeletion: markPodForDeletion,
    // A pod being gracefully deleted stays until the kubelet deletes it with grace 0.
    deleteWhenFinalized: (obj) => !obj.metadata.deletionGracePeriodSeconds,
    returnDeletedObject: true,
  };
}

function markPodForDeletion(obj: Obj, ctx: DeletionContext): Obj | undefined {
  const m = obj.metadata;
  const spec = section(obj.spec);
  const phase = section(obj.status).phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  let grace = ctx.gracePeriodSeconds ?? numberOf(spec.terminationGracePeriodSeconds) ?? DEFAULT_POD_GRACE;
  if (!spec.nodeName || terminal) grace = 0;
  // A pending graceful deletion can only be shortened.
  if (m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds < grace) grace = m.deletionGracePeriodSeconds;
  if (grace > 0) {
    const next = structuredClone(obj);
    if (m.deletionGracePeriodSeconds === grace) return next;
    // A grace of millions of years is allowed (int64 upstream); the timestamp stops at year 9999.
    next.metadata.deletionTimestamp = timestamp(new Date(Math.min(ctx.now.getTime() + grace * 1000, LATEST_TIMESTAMP_MS)));
    next.metadata.deletionGracePeriodSeconds = grace;
    return next;
  }
  const marked = markFinalized(obj, ctx.now);
  // Finalizers hold a pod deleted with grace 0: it is marked as due now.
  if (marked) marked.metadata.deletionGracePeriodSeconds = 0;
  return marked;
}
