// Authentication and authorization for the filter chain: client certificates (decoded once per TLS
// connection: one connection, one peer), then bearer tokens (static file, ServiceAccount
// JWTs, checked against live mirrors of the objects they name) per request; RBAC over a live
// mirror of the policy in the store.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../../host/clock.js';
import type { Store } from '../../store/types.js';
import { bearerToken, rbacAuthorizer, unauthorized, AUTHENTICATED, type Authorize, type ServiceAccountKey, type UserInfo } from '../auth/index.js';
import { liveTokenAuthenticator, tokenAuthenticator, type LiveTokenAuthenticator, type TokenAuthentication } from '../auth/authenticator.js';
import { parseCertBundle, userFromClientCertificate } from '../auth/x509.js';
import type { RequestAuthenticator } from '../http/filters/authentication.js';
import { liveObjectsCache, type LiveObjectsCache } from './live-objects.js';
import { nodeRules } from '../auth/bootstrap.js';
import { nodeAuthorizer } from '../auth/node/authorizer.js';
import { nodeGraphCache, type NodeGraphCache } from './node-graph.js';
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
  authenticator: RequestAuthenticator;
  /** Node, then RBAC. */
  authorize: Authorize;
  rbac: RbacCache;
  /** The bearer-token half, also what TokenReview asks. */
  tokens: LiveTokenAuthenticator;
  /** The objects ServiceAccount tokens name; present with a service-account key. Ready before serving, stopped on close. */
  live?: LiveObjectsCache;
  /** What the Node authorizer reads. Ready before serving, stopped on close. */
  nodeGraph: NodeGraphCache;
}

/**
 * Builds the authenticator and the RBAC authorizer and starts the policy mirror (and, with a
 * service-account key, the mirrors of what its tokens name). Throws when
 * the client CA, token file or key is unreadable or malformed (see auth/authenticator.ts).
 */
export function authWiring(opts: AuthOptions & { clientCA: string }, store: Store, log: (msg: string) => void, clock: Clock): AuthWiring {
  const roots = parseCertBundle(opts.clientCA);
  const verified = tokenAuthenticator({
    tokenFile: opts.tokenFile, serviceAccountKey: opts.serviceAccountKey,
    apiAudiences: opts.apiAudiences, clock,
  });
  const nodeGraph = nodeGraphCache(store, log);
  // Pods are mirrored once, for the Node authorizer's graph and the token check alike.
  const live = opts.serviceAccountKey ? liveObjectsCache(store, log, undefined, { pods: nodeGraph.pods }) : undefined;
  const tokens: LiveTokenAuthenticator = live ? liveTokenAuthenticator(verified, live, clock) : verified;
  const byConnection = new WeakMap<Socket, UserInfo | Error | undefined>();
  const certificateUser = (req: IncomingMessage): UserInfo | Error | undefined => {
    if (byConnection.has(req.socket)) return byConnection.get(req.socket);
    let user: UserInfo | Error | undefined;
    try {
      user = userFromClientCertificate(req.socket, roots, new Date(clock.now()));
    } catch (e) {
      user = e as Error;
    }
    byConnection.set(req.socket, user);
    return user;
  };
  const rbac = rbacCache(store, log);
  const rbacAuthz = rbacAuthorizer(rbac);
  const nodeAuthz = nodeAuthorizer(nodeGraph.graph, nodeRules());
  const tokenUser = (found: TokenAuthentication) => found.user;
  const tokenFailure = (e: unknown): never => { throw unauthorized((e as Error).message); };
  return {
    rbac,
    tokens,
    nodeGraph,
    ...(live ? { live } : {}),
    authenticator: {
      anonymous: opts.anonymous ?? true,
      authenticate(req) {
        // Upstream's union: the first authenticator that succeeds wins; failures count only when none does.
        const cert = certificateUser(req);
        if (cert && !(cert instanceof Error)) return cert.groups.includes(AUTHENTICATED) ? cert : { ...cert, groups: [...cert.groups, AUTHENTICATED] };
        const token = bearerToken(req);
        if (token !== undefined) {
          let found: ReturnType<LiveTokenAuthenticator['authenticateToken']>;
          try {
            found = tokens.authenticateToken(token);
          } catch (e) {
            return tokenFailure(e);
          }
          // A Promise only when a ServiceAccount token names an object the mirrors have not seen.
          return found instanceof Promise ? found.then(tokenUser, tokenFailure) : found.user;
        }
        if (cert instanceof Error) throw unauthorized(cert.message);
        return undefined;
      },
    },
    // Upstream's kubeadm order, --authorization-mode=Node,RBAC: the first to allow wins; the
    // reasons of those without an opinion are joined into the 403.
    async authorize(_user, attrs) {
      const byNode = nodeAuthz.authorize(attrs);
      if (byNode.allowed) return byNode;
      const byRbac = await rbacAuthz.authorize(attrs);
      if (byRbac.allowed) return byRbac;
      return { allowed: false, reason: [byNode.reason, byRbac.reason].filter(Boolean).join('\n') };
    },
  };
}
