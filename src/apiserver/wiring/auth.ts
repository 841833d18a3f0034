// Authentication and RBAC as the server's hooks: client certificates (decoded once per TLS
// connection: one connection, one peer), then bearer tokens (static file, ServiceAccount
// JWTs) per request; RBAC over a live mirror of the policy in the store.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Store } from '../../store/types.js';
import { bearerToken, rbacAuthorizer, unauthorized, AUTHENTICATED, type ServiceAccountKey, type UserInfo } from '../auth/index.js';
import { tokenAuthenticator, type TokenAuthenticator } from '../auth/authenticator.js';
import { parseCertBundle, userFromClientCertificate } from '../auth/x509.js';
import type { ServerHooks } from '../hooks.js';
import { rbacCache, type RbacCache } from './rbac-source.js';

export interface AuthOptions {
  /** PEM bundle client certificates must chain to (default: the serving CA). */
  clientCA?: string;
  /** Static token CSV (upstream --token-auth-file). */
  tokenFile?: string;
  /** Signs and verifies ServiceAccount tokens; without it serviceaccounts/token is 404. */
  serviceAccountKey?: ServiceAccountKey;
  /** Audiences ServiceAccount tokens must carry (default: the issuer). */
  apiAudiences?: string[];
  /** Requests without credentials are system:anonymous (default true, as upstream). */
  anonymous?: boolean;
}

export interface AuthWiring {
  hooks: Pick<ServerHooks, 'authenticate' | 'authorize'>;
  rbac: RbacCache;
  /** The bearer-token half, also what TokenReview asks. */
  tokens: TokenAuthenticator;
}

/**
 * Builds the authenticator and the RBAC authorizer and starts the policy mirror. Throws when
 * the client CA, token file or key is unreadable or malformed (see auth/authenticator.ts).
 */
export function authWiring(opts: AuthOptions & { clientCA: string }, store: Store, log?: (msg: string) => void, now: () => Date = () => new Date()): AuthWiring {
  const roots = parseCertBundle(opts.clientCA);
  const tokens = tokenAuthenticator({
    tokenFile: opts.tokenFile, serviceAccountKey: opts.serviceAccountKey,
    apiAudiences: opts.apiAudiences, now,
  });
  const byConnection = new WeakMap<Socket, UserInfo | Error | undefined>();
  const certificateUser = (req: IncomingMessage): UserInfo | Error | undefined => {
    if (byConnection.has(req.socket)) return byConnection.get(req.socket);
    let user: UserInfo | Error | undefined;
    try {
      user = userFromClientCertificate(req.socket, roots, now());
    } catch (e) {
      user = e as Error;
    }
    byConnection.set(req.socket, user);
    return user;
  };
  const rbac = rbacCache(store, log);
  const authorizer = rbacAuthorizer(rbac);
  return {
    rbac,
    tokens,
    hooks: {
      authenticate(req) {
        // Upstream's union: the first authenticator that succeeds wins; failures count only when none does.
        const cert = certificateUser(req);
        if (cert && !(cert instanceof Error)) return cert.groups.includes(AUTHENTICATED) ? cert : { ...cert, groups: [...cert.groups, AUTHENTICATED] };
        const token = bearerToken(req);
        if (token !== undefined) {
          try {
            return tokens.authenticateToken(token).user;
          } catch (e) {
            throw unauthorized((e as Error).message);
          }
        }
        if (cert instanceof Error) throw unauthorized(cert.message);
        return undefined;
      },
      authorize: (_user, attrs) => authorizer.authorize(attrs),
    },
  };
}
