// The filter chain in the order a request meets it (upstream's DefaultBuildHandlerChain, which
// Go writes innermost first). Every stage is required: the types of the stages only line up
// in this order, and there is no authenticator or authorizer to fall back on. One difference
// from upstream, kept from before the chain had names: upstream reads the request info before
// authentication (its WithRequestInfo wraps WithAuthentication), so a malformed path without
// credentials is skiff's 401 where upstream resolves the path first.
import type { InFlightLimiter } from '../max-in-flight.js';
import type { Authorize } from '../../auth/types.js';
import { withAuthentication, type RequestAuthenticator } from './authentication.js';
import { withAuthorization } from './authorization.js';
import { withImpersonation } from './impersonation.js';
import { withMaxInFlight } from './max-in-flight.js';
import { withRequestInfo } from './request-info.js';
import type { Authorized, Handler, Incoming } from './types.js';

export interface ChainDeps {
  authenticator: RequestAuthenticator;
  authorize: Authorize;
  limiter: InFlightLimiter;
}

export function handlerChain(deps: ChainDeps, route: Handler<Authorized>): Handler<Incoming> {
  return withAuthentication(deps.authenticator,
    withImpersonation(deps.authorize,
      withRequestInfo(
        withMaxInFlight(deps.limiter,
          withAuthorization(deps.authorize,
            route)))));
}
