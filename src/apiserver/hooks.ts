// What the apiserver core calls but does not own: defaults, validation, admission, patching,
// OpenAPI and tables. Each is built in its own folder (src/api, src/apiserver/patch,
// admission); Service allocation is the services strategy's (storage/strategies); the composition root (src/cli/apiserver-deps.ts)
// passes them all in. There are no stand-ins here: the ones tests use are in
// test/helpers/apiserver-stand-ins.ts. Authentication and authorization are not hooks but
// required stages of the filter chain (http/filters/).
import type { Gvk } from '../api/types.js';
import type { AdmissionChain } from './admission/chain.js';
import type { Attributes } from './auth/types.js';
import type { StatusCause } from './status.js';

// Who is asking and what for: the shapes of src/apiserver/auth (upstream's user.Info and
// authorizer.Attributes), so the authenticator and RBAC plug in without translation.
export type { UserInfo } from './auth/types.js';
export type AuthzAttributes = Attributes;

// One Gvk for the codebase (src/api/types.ts); re-exported for the modules that import it from here.
export type { Gvk };

export interface ServerHooks {
  defaultObject(gvk: Gvk, obj: object): void;
  validateObject(gvk: Gvk, obj: object, old?: object): StatusCause[];
  /** JSON / merge / strategic patch; throws ApiError 400/415/422. */
  applyPatch(contentType: string, current: object, patch: unknown, gvk: Gvk): object;
  /** Throws ApiError 409 with conflict causes. */
  serverSideApply(current: object | undefined, applied: object, opts: { manager: string; force: boolean; gvk: Gvk; now: string }): object;
  updateManagedFields(old: object | undefined, next: object, manager: string, operation: 'Update' | 'Apply', now: string, subresource?: string): void;
  openapiV2(): object;
  openapiV3Index(): object;
  openapiV3(groupVersion: string): object | undefined;
  toTable(gvk: Gvk, objects: object[], includeObject: 'None' | 'Object' | 'Metadata'): object;
  /**
   * The admission chain (admission/chain.ts) and its request scope: the storage calls its
   * mutating phase on the defaulted object, its validating phase on the final one (after
   * patching, defaulting and validation) or the one to delete; both reject with an ApiError to
   * refuse the write. The scope tells who asks (a CSR records it as its requestor).
   */
  admission: AdmissionChain;
}
