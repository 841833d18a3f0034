// TokenReview (authentication.k8s.io/v1): "who is this bearer token?", asked by webhook
// token authenticators such as a kubelet's. Answered by the same token authenticators that
// guard requests, for the audiences the review names (default: the API audiences). Nothing
// is stored; the token is never logged and never put in an error.
// serveReview routes the reviews delegating servers ask (this one and the
// SubjectAccessReviews of access-review.ts); endpoints.ts routes the self-reviews.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveTokenAuthenticator } from '../auth/authenticator.js';
import type { Authorize } from '../auth/types.js';
import { decodeBody, negotiate } from '../http/negotiate.js';
import type { RequestInfo } from '../http/request-info.js';
import { readBody, writeObject } from '../http/respond.js';
import { apiError, badRequest } from '../status.js';
import { isObject, type JsonObject } from '../../api/types.js';
import { subjectAccessReview } from './access-review.js';

/**
 * Reviews spec.token and resolves with the TokenReview and its status: authenticated with
 * the user and audiences, or not, with status.error saying why (a ServiceAccount token
 * whose account or bound object is gone, or whose live check could not read the store,
 * included). Rejects ApiError 400 when the body is not a TokenReview or carries no token.
 */
export async function tokenReview(body: unknown, tokens: LiveTokenAuthenticator): Promise<JsonObject> {
  if (!isObject(body)) throw badRequest('not a TokenReview: the body must be a TokenReview object');
  const review = body;
  if (review.kind !== undefined && review.kind !== 'TokenReview') throw badRequest(`not a TokenReview: got kind ${String(review.kind)}`);
  const spec = isObject(review.spec) ? review.spec : {};
  const token = spec.token;
  if (typeof token !== 'string' || !token) throw badRequest('token is required for TokenReview in authentication');
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  let status: JsonObject;
  try {
    const { user, audiences: accepted } = await tokens.authenticateToken(token, audiences);
    status = {
      authenticated: true,
      user: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}) },
      ...(accepted.length ? { audiences: accepted } : {}),
    };
  } catch (e) {
    // Upstream leaves `authenticated` out when false (omitempty) and `user` empty.
    status = { user: {}, error: (e as Error).message };
  }
  return {
    kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...(isObject(review.metadata) ? review.metadata : {}), creationTimestamp: null },
    spec, status,
  };
}

export interface ReviewDeps {
  authorize: Authorize;
  tokens: LiveTokenAuthenticator;
}

type Review = 'token' | 'subject' | 'local';

function reviewOf(info: RequestInfo): Review | undefined {
  if (info.apiVersion !== 'v1' || info.name || info.subresource) return undefined;
  if (info.apiGroup === 'authentication.k8s.io' && info.resource === 'tokenreviews' && !info.namespace) return 'token';
  if (info.apiGroup === 'authorization.k8s.io' && info.resource === 'subjectaccessreviews' && !info.namespace) return 'subject';
  if (info.apiGroup === 'authorization.k8s.io' && info.resource === 'localsubjectaccessreviews' && info.namespace) return 'local';
  return undefined;
}

/**
 * Serves TokenReview, SubjectAccessReview and LocalSubjectAccessReview creates (201, nothing
 * stored) and resolves true; false leaves the request to others. Throws ApiError 405 for
 * other verbs, 400/413/415/422 as the body and
 * each review say.
 */
export async function serveReview(deps: ReviewDeps, info: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const review = reviewOf(info);
  if (!review) return false;
  if (info.verb !== 'create') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const bytes = await readBody(req);
  const body = bytes.length ? decodeBody(req.headers['content-type'] ?? '', bytes) : {};
  const out = review === 'token' ? await tokenReview(body, deps.tokens)
    : await subjectAccessReview(body, deps.authorize, review === 'local' ? info.namespace : undefined);
  writeObject(res, 201, out, negotiate(req.headers.accept));
  return true;
}
