// The end of the filter chain: an authorized request to its handler. Resource requests run in
// the admission chain's request scope (every write they cause is admitted as the requester's),
// offered first to the endpoints the composition root added (tokens, reviews), then to the
// generic resource handler; everything else is non-resource.ts's.
import { apiError } from '../status.js';
import type { Authorized, Handler } from './filters/types.js';
import { serveNonResource, type NonResourceDeps } from './non-resource.js';
import { clusterScopedInNamespace, handleResource, type ResourceHandlerDeps } from './resources.js';

/** Serves the request and resolves true when it is its own; false passes it on. Rejects with an ApiError to refuse it. */
export type ResourceEndpoint = (r: Authorized) => Promise<boolean>;

export interface RouteDeps extends ResourceHandlerDeps, Pick<NonResourceDeps, 'address'> {
  /** Asked in order before the generic handler. */
  endpoints: readonly ResourceEndpoint[];
  /** Asked in order before the built-in non-resource paths (/metrics). */
  nonResourceEndpoints?: readonly ResourceEndpoint[];
}

export function route(deps: RouteDeps): Handler<Authorized> {
  const handle = (r: Authorized) => handleResource(deps, r.info, r.url, r.req, r.res);
  return async (r) => {
    if (!r.info.resourceRequest) {
      for (const endpoint of deps.nonResourceEndpoints ?? []) if (await endpoint(r)) return;
      return serveNonResource(deps, r.req, r.res, r.url);
    }
    if (clusterScopedInNamespace(r.info)) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
    return deps.hooks.admission.actingAs(r.user, async () => {
      for (const endpoint of deps.endpoints) if (await endpoint(r)) return;
      return handle(r);
    });
  };
}
