// Upstream's WithMaxInFlightLimit, where its chain has it: after impersonation (system:masters
// is counted as the user acting), before authorization. The limiter is http/max-in-flight.ts.
import type { InFlightLimiter } from '../max-in-flight.js';
import type { Described, Handler } from './types.js';

/** The handler rejects ApiError 429 when the request's kind is at its limit. */
export function withMaxInFlight(limiter: InFlightLimiter, next: Handler<Described>): Handler<Described> {
  return async (r) => {
    limiter.admit(r.user, r.info, r.res);
    return next(r);
  };
}
