// Impersonate-* headers (upstream's WithImpersonation): each part authorized for the real
// requester as verb impersonate; from here on the request is the impersonated user's.
import { impersonate } from '../../auth/impersonation.js';
import { forbidden } from '../../auth/forbidden.js';
import type { Authorize } from '../../auth/types.js';
import type { Authenticated, Handler } from './types.js';

export function withImpersonation(authorize: Authorize, next: Handler<Authenticated>): Handler<Authenticated> {
  return async (r) => {
    const acting = await impersonate(r.req.headersDistinct, r.user, authorize);
    if (!acting) return next(r);
    if ('denied' in acting) throw forbidden(acting.denied, acting.reason);
    return next({ ...r, user: acting.user });
  };
}
