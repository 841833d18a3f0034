// The validating admission chain of one server, and the request scope it reads the requester
// from: the storage calls `admit` with what it is about to write (create, update, patch and
// apply, status, binding, eviction, delete), and the chain adds the user the request acts as,
// as Go's request context carries it. Writes outside a request (bootstrap policy, namespace
// lifecycle, default ServiceAccounts, controllers inside the server) have no requester and
// skip admission: they are the server's own, as upstream's loopback client in system:masters.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UserInfo } from '../auth/types.js';
import type { Admit, WriteAttributes } from './types.js';

export interface AdmissionChain {
  /** Runs `fn` with `user` as the requester of every write it causes. */
  actingAs<T>(user: UserInfo, fn: () => T): T;
  /** Each plugin in order; rejects with the first refusal (an ApiError). */
  admit(a: WriteAttributes): Promise<void>;
}

export function admissionChain(plugins: readonly Admit[]): AdmissionChain {
  const scope = new AsyncLocalStorage<UserInfo>();
  return {
    actingAs: (user, fn) => scope.run(user, fn),
    async admit(a) {
      const user = scope.getStore();
      if (!user) return;
      for (const plugin of plugins) await plugin({ ...a, user });
    },
  };
}
