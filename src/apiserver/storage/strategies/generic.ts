// The default strategy: what every resource does unless its own strategy says otherwise.
// Status belongs to the status subresource where the resource has one; generation counts
// spec changes where the resource tracks it; finalizers hold a deleted object back.
import { isDeepStrictEqual } from 'node:util';
import type { ResourceInfo } from '../../../api/resources.js';
import type { Obj } from '../codec.js';
import { carryServerMetadata, keep, resetServerMetadata, timestamp } from '../meta.js';
import { finishNothing, type ResourceStrategy } from './types.js';

export interface GenericOptions {
  /** metadata.generation starts at 1 and counts spec changes (upstream strategies that set it). */
  tracksGeneration?: boolean;
  /** Every write of an object expires it this many seconds later (Events: --event-ttl); 0 or none: never. */
  ttlSeconds?: number;
}

const hasStatus = (r: ResourceInfo): boolean => Boolean(r.subresources?.includes('status'));

export function genericStrategy(r: ResourceInfo, opts: GenericOptions = {}): ResourceStrategy {
  const status = hasStatus(r);
  const generation = Boolean(opts.tracksGeneration);
  return {
    prepareForCreate(obj, ctx) {
      resetServerMetadata(obj, ctx.now, generation);
      if (status) obj.status = {};
    },
    prepareAdmittedForCreate() {},
    prepareForUpdate(next, old) {
      carryServerMetadata(next, old);
      if (status) keep(next, old, 'status');
      if (generation) next.metadata.generation = (old.metadata.generation ?? 1) + (isDeepStrictEqual(next.spec, old.spec) ? 0 : 1);
    },
    prepareForSubresourceUpdate(next, old) {
      // Metadata changes (labels, annotations, finalizers...) go through; spec stays as stored.
      const out: Obj = { ...next, metadata: { ...(next.metadata ?? {}) } };
      carryServerMetadata(out, old);
      keep(out, old, 'spec');
      return out;
    },
    beginCreate: async () => finishNothing,
    beginUpdate: async () => finishNothing,
    checkDelete() {},
    markForDeletion: (obj, ctx) => markFinalized(obj, ctx.now),
    deleteWhenFinalized: () => true,
    afterDelete: async () => {},
    returnDeletedObject: false,
    ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
  };
}

/** The object marked as deleted while finalizers hold it, else undefined (it can go now). Never throws. */
export function markFinalized(obj: Obj, now: Date): Obj | undefined {
  if (!obj.metadata.finalizers?.length) return undefined;
  const next = structuredClone(obj);
  next.metadata.deletionTimestamp ??= timestamp(now);
  next.metadata.deletionGracePeriodSeconds ??= 0;
  return next;
}
