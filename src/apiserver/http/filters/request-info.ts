// What the request is about (upstream's WithRequestInfo): group, version, namespace, resource,
// name, subresource and verb, read once for the filters and the route after it.
import { requestInfo } from '../request-info.js';
import type { Authenticated, Described, Handler } from './types.js';

/** The handler rejects ApiError 400 on a path that is not percent-encoded properly or too long. */
export function withRequestInfo(next: Handler<Described>): Handler<Authenticated> {
  return async (r) => next({ ...r, info: requestInfo(r.req.method ?? 'GET', r.url) });
}
