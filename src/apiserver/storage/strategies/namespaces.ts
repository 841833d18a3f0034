// Namespaces (upstream pkg/registry/core/namespace): born Active with the `kubernetes`
// finalizer; DELETE only marks them Terminating, and namespaces.ts (the lifecycle) empties
// them and removes the finalizer.
import type { ResourceInfo } from '../../../api/resources.js';
import { section } from '../fields.js';
import { timestamp } from '../meta.js';
import { genericStrategy } from './generic.js';
import type { ResourceStrategy } from './types.js';

export function namespaceStrategy(r: ResourceInfo): ResourceStrategy {
  const base = genericStrategy(r);
  return {
    ...base,
    prepareForCreate(obj, ctx) {
      base.prepareForCreate(obj, ctx);
      const spec = section(obj.spec);
      obj.spec = { ...spec, finalizers: spec.finalizers ?? ['kubernetes'] };
      obj.status = { phase: 'Active' };
    },
    markForDeletion(obj, ctx) {
      const next = structuredClone(obj);
      if (!obj.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = timestamp(ctx.now);
        next.metadata.deletionGracePeriodSeconds = 0;
      }
      next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      return next;
    },
  };
}
