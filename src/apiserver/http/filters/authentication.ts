// Who is asking (upstream's WithAuthentication): the authenticator's user, or system:anonymous
// for a request without credentials when anonymous requests are on; 401 otherwise.
import type { IncomingMessage } from 'node:http';
import { unauthorized } from '../../auth/authenticator.js';
import { ANONYMOUS_USER, type UserInfo } from '../../auth/types.js';
import type { Authenticated, Handler, Incoming } from './types.js';

export interface RequestAuthenticator {
  /**
   * undefined: no credentials presented. Throws (or rejects) ApiError 401 on credentials that
   * are presented but invalid. A Promise when it has to read the store first.
   */
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
  /** Requests without credentials are system:anonymous (upstream's --anonymous-auth); else 401. */
  anonymous: boolean;
}

export function withAuthentication(authn: RequestAuthenticator, next: Handler<Authenticated>): Handler<Incoming> {
  return async (r) => {
    const user = await authn.authenticate(r.req);
    if (!user && !authn.anonymous) throw unauthorized();
    // Anonymous requests are system:anonymous from here on: what RBAC grants it, else 403.
    return next({ ...r, user: user ?? ANONYMOUS_USER });
  };
}
