// The shapes authentication and authorization share with the apiserver: who is asking
// (UserInfo, as upstream's user.Info) and what they ask for (Attributes, as upstream's
// authorizer.Attributes).
import type { Clock } from '../../host/clock.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ServiceAccountKey {
  publicKeyPem: string;
  privateKeyPem: string;
  /** The `iss` claim written into tokens and required of tokens presented. */
  issuer: string;
}

export interface AuthConfig {
  /** PEM bundle of the CAs client certificates must chain to. */
  clientCA?: string;
  /** Path of a static token CSV: token,user,uid,"group1,group2" (upstream --token-auth-file). */
  tokenFile?: string;
  serviceAccountKey?: ServiceAccountKey;
  /** Audiences a ServiceAccount token must name one of (upstream --api-audiences); defaults to [issuer]. */
  apiAudiences?: string[];
  /** Clock for token and certificate expiry checks; defaults to the system clock. */
  clock?: Clock;
}

export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, or an HTTP-verb-derived one for non-resource paths. */
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The request path; what non-resource rules match. */
  path?: string;
  /** The raw fieldSelector of a list or watch (the Node authorizer scopes a kubelet's pod list by it). */
  fieldSelector?: string;
  resourceRequest: boolean;
}

export interface Decision {
  allowed: boolean;
  /** Why, for logs and appended to a Forbidden message when not empty (as upstream). */
  reason: string;
}

/** Decides one request. Rejects only when the policy source fails (the caller answers 500). */
export type Authorize = (user: UserInfo, attrs: Attributes) => Promise<Decision>;

export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const MASTERS = 'system:masters';

/** Who a request without credentials is, where the caller allows anonymous requests (upstream's default). */
export const ANONYMOUS_USER: UserInfo = Object.freeze({ name: 'system:anonymous', groups: [UNAUTHENTICATED] }) as UserInfo;
