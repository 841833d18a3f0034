// The 403 a denied request gets, worded as upstream's responsewriters.Forbidden so users
// and scripts see the familiar `pods is forbidden: User "x" cannot list resource ...`.
import { apiError, type ApiError, forbiddenError } from '../status.js';
import type { Attributes } from './types.js';

/** Upstream's forbiddenMessage: what the user cannot do, and where. */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path ?? ''}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/** ApiError 403 Forbidden for a denied request; a non-empty authorizer reason is appended. */
export function forbidden(a: Attributes, reason = ''): ApiError {
  const why = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resourceRequest || !a.resource) return apiError(403, 'Forbidden', `forbidden: ${why}`, {});
  return forbiddenError(a.resource, a.name ?? '', why, a.apiGroup);
}
