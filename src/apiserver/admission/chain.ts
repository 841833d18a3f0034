// The admission chain of one server, and the request scope it reads the requester from. The
// storage calls it at one point per phase of each write, as kube-apiserver does:
//   admit     mutating plugins in order, on the decoded and defaulted object (create, update);
//   validate  validating plugins in order, on the final object after the storage's own
//             validation (create, update, subresources, delete, eviction, TokenRequest).
// The requester is the user the request acts as (after impersonation), carried by
// AsyncLocalStorage as Go's request context carries it. Writes outside a request (bootstrap
// policy, namespace lifecycle, default ServiceAccounts, controllers inside the server) have no
// requester: plugins that judge the requester (`requestersOnly`) skip them, as upstream's
// loopback client in system:masters passes them; the others (LimitRanger, Priority...) apply.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UserInfo } from '../auth/types.js';
import type { AdmissionPlugin, RequestAttributes, WriteAttributes } from './types.js';

export interface AdmissionChain {
  /** Runs `fn` with `user` as the requester of every write it causes. */
  actingAs<T>(user: UserInfo, fn: () => T): T;
  /** The requester in scope; undefined for the server's own writes. */
  requester(): UserInfo | undefined;
  /** Mutating phase: each plugin's `admit` in order; may change `a.object`. Rejects with the first refusal (an ApiError). */
  admit(a: WriteAttributes): Promise<void>;
  /** Validating phase: each plugin's `validate` in order. Rejects with the first refusal (an ApiError). */
  validate(a: WriteAttributes): Promise<void>;
}

export function admissionChain(plugins: readonly AdmissionPlugin[]): AdmissionChain {
  const scope = new AsyncLocalStorage<UserInfo>();
  const mutating = plugins.filter((p) => p.admit);
  const validating = plugins.filter((p) => p.validate);
  return {
    actingAs: (user, fn) => scope.run(user, fn),
    requester: () => scope.getStore(),
    async admit(a) {
      const attrs = { ...a, user: scope.getStore() };
      for (const p of mutating) await p.admit!(attrs);
    },
    async validate(a) {
      const attrs = { ...a, user: scope.getStore() };
      for (const p of validating) await p.validate!(attrs);
    },
  };
}

/** A plugin that judges the requester: it does not run for the server's own writes. */
export function requestersOnly(p: {
  name: string;
  admit?(a: RequestAttributes): Promise<void> | void;
  validate?(a: RequestAttributes): Promise<void> | void;
}): AdmissionPlugin {
  const { admit, validate } = p;
  return {
    name: p.name,
    ...(admit ? { admit: (a) => (a.user ? admit({ ...a, user: a.user }) : undefined) } : {}),
    ...(validate ? { validate: (a) => (a.user ? validate({ ...a, user: a.user }) : undefined) } : {}),
  };
}
