// The user a request acts as (after impersonation), kept beside the request for the few
// writes that record it: a CertificateSigningRequest's requestor (upstream reads it from the
// request context). Weakly held: it goes with the request.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../auth/types.js';

const users = new WeakMap<IncomingMessage, UserInfo>();

export function setRequestUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

/** undefined for requests that never passed authentication (in-process callers). */
export function requestUser(req: IncomingMessage): UserInfo | undefined {
  return users.get(req);
}
