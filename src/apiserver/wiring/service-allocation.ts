// Service ClusterIP/NodePort allocation as the registry calls it: allocate before the write,
// then commit (update: free what it gave up) or undo (free what was taken). The registry
// calls allocateService before each write attempt and releaseService when a create fails,
// but does not say when a write landed; so each HTTP request runs in a scope that settles
// its allocations when it ends: a request that succeeded commits the last allocation per
// Service and undoes earlier ones (compare-and-swap retries), a failed one undoes them all.
// Outside a request (server start), an allocation is committed at once.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServiceAllocator } from '../alloc/index.js';
import type { ServerHooks, ServiceAllocation } from '../hooks.js';

type Obj = Record<string, any>;

interface Pending { svc: Obj; allocation: Settling }

interface Settling extends ServiceAllocation { readonly settled: boolean }

export interface ServiceAllocationWiring extends Pick<ServerHooks, 'allocateService' | 'releaseService'> {
  /** Runs one request; settles what it allocated when it ends. Rejects with fn's error (settling errors are logged). */
  inRequest<T>(fn: () => Promise<T>): Promise<T>;
}

/** Settle-once: the first of commit()/undo() runs, later calls resolve without effect. */
function settleOnce(a: ServiceAllocation): Settling {
  let done: Promise<void> | undefined;
  return {
    get settled() { return done !== undefined; },
    commit: () => (done ??= a.commit()),
    undo: () => (done ??= a.undo()),
  };
}

const serviceKey = (svc: Obj) => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

export function serviceAllocation(allocator: ServiceAllocator, log: (msg: string) => void = () => {}): ServiceAllocationWiring {
  const scope = new AsyncLocalStorage<Pending[]>();
  return {
    async allocateService(svc, old) {
      const allocation = settleOnce(await allocator.allocate(svc, old));
      const pending = scope.getStore();
      if (pending) pending.push({ svc: svc as Obj, allocation });
      else await allocation.commit();
      return allocation;
    },
    async releaseService(svc) {
      // A create that failed: undo exactly what its allocation took, not what the object names.
      const mine = scope.getStore()?.find((p) => p.svc === svc && !p.allocation.settled);
      if (mine) return mine.allocation.undo();
      return allocator.release(svc);
    },
    async inRequest(fn) {
      const pending: Pending[] = [];
      let ok = false;
      try {
        const out = await scope.run(pending, fn);
        ok = true;
        return out;
      } finally {
        await settle(pending, ok).catch((e) => log(`service allocation: settling after a request: ${(e as Error).message}`));
      }
    },
  };
}

async function settle(pending: Pending[], ok: boolean): Promise<void> {
  const last = new Map<string, Pending>();
  if (ok) for (const p of pending) last.set(serviceKey(p.svc), p);
  const winners = new Set(last.values());
  // Undo first: a retried update's earlier attempts took values the written one does not hold.
  for (const p of pending) if (!winners.has(p)) await p.allocation.undo();
  for (const p of winners) await p.allocation.commit();
}
