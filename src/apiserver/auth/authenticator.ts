// Request authentication as upstream's union: client certificate, then bearer token
// (static tokens, then ServiceAccount JWTs). Anyone authenticated also gets
// system:authenticated. Credentials that were presented but are not valid fail the request
// (401) rather than falling back to anonymous, as upstream does.
import type { IncomingMessage } from 'node:http';
import type { X509Certificate } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { systemClock, type Clock } from '../../host/clock.js';
import { apiError, type ApiError } from '../status.js';
import { loadTokenFile } from './token-file.js';
import { checkBoundObjects, serviceAccountVerifier, type BoundClaims, type LiveObjects } from './serviceaccount-token.js';
import { parseCertBundle, userFromClientCertificate } from './x509.js';
import { AUTHENTICATED, type AuthConfig, type UserInfo } from './types.js';

export interface Authenticator {
  /**
   * Who sent the request; undefined when it carries no credentials (the caller then answers
   * 401, or treats it as ANONYMOUS_USER where anonymous requests are allowed).
   * Throws ApiError 401 Unauthorized when credentials were presented but none is valid;
   * the error's `cause` says why, for logs (never the token itself).
   */
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

/** What a token stands for: its user (system:authenticated included) and the audiences it was accepted for. */
export interface TokenAuthentication {
  user: UserInfo;
  /** The requested audiences the token is good for (empty when none were in play). */
  audiences: string[];
  /** For a ServiceAccount token: the objects it names, for the live check. */
  claims?: BoundClaims;
}

export interface TokenAuthenticator {
  /**
   * Authenticates a bearer token alone, as a request carrying it would be, for `audiences`
   * (default: the API audiences): TokenReview's entry point. Throws an Error saying why
   * when the token is not valid for them ('invalid bearer token' when no authenticator
   * knows it); the message never contains the token.
   */
  authenticateToken(token: string, audiences?: string[]): TokenAuthentication;
}

const intersect = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));
// Go's %q of a []string, which upstream's audience error prints.
const goQuoted = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/**
 * The token half of `authenticator`, with upstream's audience rules: static tokens are
 * audience-agnostic (good for a requested audience only when it is an API audience), a
 * ServiceAccount JWT must carry one of the requested audiences. Throws as `authenticator`.
 */
export function tokenAuthenticator(cfg: AuthConfig): TokenAuthenticator {
  const tokens = cfg.tokenFile ? loadTokenFile(cfg.tokenFile) : new Map<string, UserInfo>();
  const clock = cfg.clock ?? systemClock;
  const key = cfg.serviceAccountKey;
  const apiAudiences = cfg.apiAudiences ?? (key ? [key.issuer] : []);
  const defaultVerifier = key ? serviceAccountVerifier(key, apiAudiences, clock) : undefined;
  return {
    authenticateToken(token, requested) {
      const targets = requested?.length ? requested : apiAudiences;
      const staticUser = tokens.get(token);
      if (staticUser) {
        const audiences = intersect(apiAudiences, targets);
        if (!targets.length || audiences.length) return { user: withAuthenticatedGroup(staticUser), audiences };
      }
      if (key && targets.length) {
        const verifier = targets === apiAudiences ? defaultVerifier! : serviceAccountVerifier(key, targets, clock);
        let verified: ReturnType<typeof verifier.verify>;
        try {
          verified = verifier.verify(token);
        } catch (e) {
          if (e instanceof jwt.JsonWebTokenError && e.message.startsWith('jwt audience invalid')) {
            const aud = jwt.decode(token, { json: true })?.aud ?? [];
            throw new Error(`token audiences ${goQuoted(Array.isArray(aud) ? aud : [aud])} is invalid for the target audiences ${goQuoted(targets)}`);
          }
          throw e;
        }
        if (verified) {
          const aud = jwt.decode(token, { json: true })?.aud ?? [];
          return { user: withAuthenticatedGroup(verified.user), audiences: intersect(Array.isArray(aud) ? aud : [aud], targets), claims: verified.claims };
        }
      }
      throw new Error('invalid bearer token');
    },
  };
}

/** A token authenticator that may have to read the store before it answers. */
export interface LiveTokenAuthenticator {
  /**
   * As TokenAuthenticator.authenticateToken, and a ServiceAccount token must also still name
   * live objects (checkBoundObjects); synchronous unless one of them had to be read from the
   * store. Throws (or rejects) an Error saying why, in upstream's words; rejects with the
   * store's error when that read fails.
   */
  authenticateToken(token: string, audiences?: string[]): TokenAuthentication | Promise<TokenAuthentication>;
}

/**
 * `tokens` with upstream's check that a ServiceAccount token's account (and the Pod, Secret
 * or Node it is bound to) still exists with the uid it was issued for: deleting or
 * recreating one revokes its tokens. Never throws itself.
 */
export function liveTokenAuthenticator(tokens: TokenAuthenticator, objects: LiveObjects, clock: Clock): LiveTokenAuthenticator {
  return {
    authenticateToken(token, audiences) {
      const found = tokens.authenticateToken(token, audiences);
      if (!found.claims) return found;
      const why = checkBoundObjects(found.claims, objects, new Date(clock.now()));
      const decide = (reason: string | undefined) => {
        if (reason) throw new Error(reason);
        return found;
      };
      return why instanceof Promise ? why.then(decide) : decide(why);
    },
  };
}

/** Reads the client CA bundle and token file once. Throws when either is unreadable or malformed, or the service-account key is not an RSA/EC public key. */
export function authenticator(cfg: AuthConfig): Authenticator {
  const roots: X509Certificate[] = cfg.clientCA ? parseCertBundle(cfg.clientCA) : [];
  const clock = cfg.clock ?? systemClock;
  const tokens = tokenAuthenticator(cfg);

  return {
    authenticate(req) {
      const failures: string[] = [];
      if (roots.length) {
        try {
          const user = userFromClientCertificate(req.socket, roots, new Date(clock.now()));
          if (user) return withAuthenticatedGroup(user);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      const token = bearerToken(req);
      if (token !== undefined) {
        try {
          return tokens.authenticateToken(token).user;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      if (failures.length) throw unauthorized(failures.join('; '));
      return undefined;
    },
  };
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED) ? user : { ...user, groups: [...user.groups, AUTHENTICATED] };
}

const WS_TOKEN_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * The bearer token of `Authorization: Bearer <token>`, or of the WebSocket subprotocol
 * browsers use instead (upstream's websocket protocol authenticator). Other schemes and an
 * empty token count as no token, as upstream.
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization?.trim();
  if (header) {
    // Split on single spaces as upstream: 'Bearer  <token>' (two spaces) is no token at all.
    const [scheme, token] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && token) return token;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',').map((s) => s.trim())) {
      if (!p.startsWith(WS_TOKEN_PREFIX)) continue;
      const token = Buffer.from(p.slice(WS_TOKEN_PREFIX.length), 'base64url').toString('utf8');
      if (token) return token;
    }
  }
  return undefined;
}

/** The 401 Status upstream answers with; `why` goes to `cause` for logs, not to the client. */
export function unauthorized(why?: string): ApiError {
  const err = apiError(401, 'Unauthorized', 'Unauthorized');
  if (why) err.cause = new Error(why);
  return err;
}
