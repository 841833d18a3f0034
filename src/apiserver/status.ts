// Kubernetes `Status` errors: what every failing request answers with (metav1.Status), and
// the one error type the apiserver's layers throw. The HTTP edge writes `status` as the body
// with `status.code` as the HTTP status.

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'Invalid'
  | 'ServerTimeout' | 'Timeout' | 'TooManyRequests' | 'MethodNotAllowed' | 'NotAcceptable' | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType' | 'InternalError' | 'Expired' | 'ServiceUnavailable';

export interface StatusCause {
  /** e.g. 'FieldValueRequired', 'FieldValueInvalid', 'FieldValueDuplicate', 'FieldValueNotSupported', 'FieldValueForbidden', 'FieldValueTooLong', 'FieldValueTypeInvalid'. */
  reason: string;
  message: string;
  /** JSON path of the field, e.g. 'metadata.name', 'spec.containers[0].image'. */
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message: string;
  reason?: StatusReason;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: Status) {
    super(status.message);
  }

  get code(): number {
    return this.status.code;
  }
}

type Details = Status['details'];

export function apiError(code: number, reason: StatusReason, message: string, details?: Details): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `pods "web" not found`, as upstream words it. */
export const notFound = (resource: string, name: string, group = '') =>
  apiError(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, group, kind: resource });
export const alreadyExists = (resource: string, name: string, group = '') =>
  apiError(409, 'AlreadyExists', `${resource}${group ? `.${group}` : ''} "${name}" already exists`, { name, group, kind: resource });
export const conflict = (resource: string, name: string, why: string, group = '') =>
  apiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ''} "${name}": ${why}`, { name, group, kind: resource });
/**
 * `pods "web" is forbidden: why` (upstream errors.NewForbidden): the one 403 wording of the
 * authorizer's denials and admission's refusals. The name is left out when empty; empty
 * details are omitted, as Go's omitempty does.
 */
export function forbiddenError(resource: string, name: string, why: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return apiError(403, 'Forbidden', `${qualified}${name ? ` "${name}"` : ''} is forbidden: ${why}`, { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource });
}
export const badRequest = (message: string) => apiError(400, 'BadRequest', message);
export const gone = (message: string) => apiError(410, 'Expired', message);
/** 422 with the field causes, message as upstream: `Pod "x" is invalid: [spec.containers: Required value, ...]`. */
export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): ApiError {
  const list = causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`);
  const what = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return apiError(422, 'Invalid', `${kind} "${name}" is invalid: ${what}`, { name, group, kind, causes });
}
export const internalError = (message: string) => apiError(500, 'InternalError', `Internal error occurred: ${message}`);
