// Routing for the resource endpoints this folder serves instead of the generic registry:
// serviceaccounts/token and the self-reviews. Each is a create (POST) that stores nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../host/clock.js';
import type { RbacSource, ServiceAccountKey, UserInfo } from '../auth/index.js';
import type { Authorize } from '../auth/types.js';
import { decodeBody, negotiate } from '../http/negotiate.js';
import type { RequestInfo } from '../http/request-info.js';
import { readBody, writeObject } from '../http/respond.js';
import { apiError } from '../status.js';
import type { Registry } from '../storage/registry.js';
import { selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview } from './access-review.js';
import { createToken, tokenRequestUnavailable } from './token-request.js';

export interface AuthEndpointDeps {
  registry: Registry;
  clock: Clock;
  authorize: Authorize;
  /** Without it, selfsubjectrulesreviews is not served. */
  rbac?: RbacSource;
  /** Without it, serviceaccounts/token answers 404. */
  serviceAccountKey?: ServiceAccountKey;
  audiences: string[];
}

const notAllowed = () => apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

/**
 * Serves the request when it is one of ours and resolves true; false leaves it to the generic
 * handler. Throws ApiError 400/404/405/409/415/422 as each endpoint says.
 */
export async function serveAuthEndpoint(deps: AuthEndpointDeps, user: UserInfo, info: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const kind = endpointOf(info);
  if (!kind) return false;
  if (info.verb !== 'create') throw notAllowed();
  const body = await readRequest(req);
  const out = kind === 'token'
    ? (deps.serviceAccountKey
      ? await createToken({ registry: deps.registry, key: deps.serviceAccountKey, audiences: deps.audiences, clock: deps.clock }, info.namespace, info.name, body)
      : (() => { throw tokenRequestUnavailable(); })())
    : kind === 'access' ? await selfSubjectAccessReview(user, body, deps.authorize)
    : kind === 'rules' ? await rules(deps, user, body)
    : selfSubjectReview(user, `authentication.k8s.io/${info.apiVersion}`);
  writeObject(res, 201, out, negotiate(req.headers.accept));
  return true;
}

async function rules(deps: AuthEndpointDeps, user: UserInfo, body: unknown) {
  if (!deps.rbac) throw apiError(404, 'NotFound', 'the server could not find the requested resource');
  return selfSubjectRulesReview(user, body, deps.rbac);
}

function endpointOf(info: RequestInfo): 'token' | 'access' | 'rules' | 'whoami' | undefined {
  const g = info.apiGroup;
  if (g === '' && info.apiVersion === 'v1' && info.resource === 'serviceaccounts' && info.subresource === 'token' && info.namespace && info.name) return 'token';
  if (info.name || info.subresource) return undefined;
  if (g === 'authorization.k8s.io' && info.apiVersion === 'v1' && info.resource === 'selfsubjectaccessreviews') return 'access';
  if (g === 'authorization.k8s.io' && info.apiVersion === 'v1' && info.resource === 'selfsubjectrulesreviews') return 'rules';
  if (g === 'authentication.k8s.io' && ['v1', 'v1beta1'].includes(info.apiVersion) && info.resource === 'selfsubjectreviews') return 'whoami';
  return undefined;
}

/** JSON, YAML, or the protobuf envelope typed clients send. Rejects ApiError 400/413/415. */
async function readRequest(req: IncomingMessage): Promise<unknown> {
  const bytes = await readBody(req);
  if (bytes.length === 0) return {};
  return decodeBody(req.headers['content-type'] ?? '', bytes);
}
