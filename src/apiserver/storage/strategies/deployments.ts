// Deployments (upstream pkg/registry/apps/deployment): generation counts spec changes, and a
// status write keeps the labels as stored (deploymentStatusStrategy).
import type { ResourceInfo } from '../../../api/resources.js';
import { keepMeta } from '../meta.js';
import { genericStrategy } from './generic.js';
import type { ResourceStrategy } from './types.js';

export function deploymentStrategy(r: ResourceInfo): ResourceStrategy {
  const base = genericStrategy(r, { tracksGeneration: true });
  return {
    ...base,
    prepareForSubresourceUpdate(next, old, subresource) {
      const out = base.prepareForSubresourceUpdate(next, old, subresource);
      keepMeta(out, old, 'labels');
      return out;
    },
  };
}
