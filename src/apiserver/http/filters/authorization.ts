// May they (upstream's WithAuthorization): the request's attributes, decided by the one
// authorizer the server was given; denied is a 403 in upstream's words. There is no default:
// a server without an authorizer does not start (server.ts).
import { forbidden } from '../../auth/forbidden.js';
import type { Attributes, Authorize, UserInfo } from '../../auth/types.js';
import { requiredFieldValues } from '../../storage/selectors.js';
import type { RequestInfo } from '../request-info.js';
import type { Authorized, Described, Handler } from './types.js';

/** The handler rejects ApiError 403 when denied, and with the authorizer's error when it fails. */
export function withAuthorization(authorize: Authorize, next: Handler<Authorized>): Handler<Described> {
  return async (r) => {
    const attrs = authorizationAttributes(r.user, r.info, r.url);
    const decision = await authorize(r.user, attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason);
    return next({ ...r, attrs });
  };
}

/** What is authorized: the request info, HEAD as get on non-resource paths, and a list of one name as about that name. */
function authorizationAttributes(user: UserInfo, info: RequestInfo, url: URL): Attributes {
  const verb = info.resourceRequest ? info.verb : (info.verb === 'head' ? 'get' : info.verb);
  const fieldSelector = url.searchParams.get('fieldSelector') ?? undefined;
  // As upstream's RequestInfoFactory: a list or watch of one object by metadata.name is about
  // that name (what lets RBAC resourceNames, and a kubelet's watch of one Secret, apply).
  const listed = info.resourceRequest && !info.name && (verb === 'list' || verb === 'watch') ? selectedName(fieldSelector) : undefined;
  return {
    user, verb, apiGroup: info.apiGroup, resource: info.resource, subresource: info.subresource,
    namespace: info.namespace, name: listed ?? info.name, resourceRequest: info.resourceRequest, path: info.path,
    ...(fieldSelector !== undefined ? { fieldSelector } : {}),
  };
}

/** The value of a `metadata.name=` (or `==`) requirement, if it is a valid path segment. */
function selectedName(selector: string | undefined): string | undefined {
  // The first exact requirement, as upstream's RequiresExactMatch, read by the list's own parser.
  const [name] = requiredFieldValues(selector, 'metadata.name');
  return name && !['.', '..'].includes(name) && !/[/%]/.test(name) ? name : undefined;
}
