// Upstream's max-in-flight filter (--max-requests-inflight 400, --max-mutating-requests-inflight
// 200): requests past either limit are a 429 with Retry-After 1, so one client's burst of
// uploads or lists cannot make the server hold without bound. Long-running requests (watches,
// exec/attach/port-forward/proxy/log) are not counted; system:masters is never refused (a
// super-admin or the server's own loopback client always gets an answer, as upstream).
import type { ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/types.js';
import { apiError } from '../status.js';
import type { RequestInfo } from './request-info.js';

export interface InFlightLimits { readOnly: number; mutating: number }

export const DEFAULT_IN_FLIGHT: InFlightLimits = { readOnly: 400, mutating: 200 };

const LONG_RUNNING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);
const READ_ONLY_VERBS = new Set(['get', 'list', 'watch', 'head']);

export interface InFlightLimiter {
  /**
   * Counts the request until `res` finishes or closes. Throws ApiError 429 when its kind of
   * request is at its limit (0 means no limit).
   */
  admit(user: UserInfo, info: RequestInfo, res: ServerResponse): void;
  readonly inFlight: { readOnly: number; mutating: number };
}

export function inFlightLimiter(limits: InFlightLimits = DEFAULT_IN_FLIGHT): InFlightLimiter {
  const inFlight = { readOnly: 0, mutating: 0 };
  return {
    inFlight,
    admit(user, info, res) {
      if (info.verb === 'watch' || (info.resourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource))) return;
      const kind = READ_ONLY_VERBS.has(info.verb) ? 'readOnly' : 'mutating';
      const limit = limits[kind];
      if (limit > 0 && inFlight[kind] >= limit && !user.groups.includes('system:masters')) {
        res.setHeader('Retry-After', '1');
        throw apiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
      }
      inFlight[kind]++;
      let done = false;
      const release = () => { if (!done) { done = true; inFlight[kind]--; } };
      res.once('finish', release);
      res.once('close', release);
    },
  };
}
