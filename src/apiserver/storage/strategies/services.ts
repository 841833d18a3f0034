// Services (upstream pkg/registry/core/service/storage): ClusterIPs and NodePorts are taken
// from the allocator right before the write and settled by the write's outcome: kept when it
// landed (an update then frees what it gave up), given back when it failed (a lost
// compare-and-swap round, a name already taken). A deleted Service frees what it held.
// Dry runs take nothing.
import type { ResourceInfo } from '../../../api/resources.js';
import type { Allocation, ServiceAllocator } from '../../alloc/index.js';
import { genericStrategy } from './generic.js';
import { finishNothing, type Finish, type ResourceStrategy } from './types.js';

export interface ServiceStrategyDeps {
  allocator: ServiceAllocator;
  /** Where a failure to settle an allocation is reported (the values stay taken until repair). */
  log: (msg: string) => void;
}

export function serviceStrategy(r: ResourceInfo, deps: ServiceStrategyDeps): ResourceStrategy {
  const settle = (allocation: Allocation): Finish => async (success) => {
    try {
      await (success ? allocation.commit() : allocation.undo());
    } catch (e) {
      deps.log(`service allocation: ${success ? 'committing' : 'undoing'}: ${(e as Error).message}`);
    }
  };
  return {
    ...genericStrategy(r),
    beginCreate: async (obj, ctx) => (ctx.dryRun ? finishNothing : settle(await deps.allocator.allocate(obj))),
    beginUpdate: async (next, old, ctx) => (ctx.dryRun ? finishNothing : settle(await deps.allocator.allocate(next, old))),
    afterDelete: (obj) => deps.allocator.release(obj),
  };
}
