// The apiserver's errors as the client sees them: every non-2xx answer and every watch ERROR
// event becomes an ApiStatusError carrying the Kubernetes Status, so callers branch on
// reason/code (as client-go's apierrors.IsNotFound...) and never on message text.
import type { Status } from '../api/types.js';

/** An answer that was not a success; `status` is the server's Status or one made from the HTTP code. */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  constructor(readonly status: Status) {
    super(status.message ?? `the server answered ${status.code ?? 'an error'}`);
  }
  get code(): number {
    return this.status.code ?? 0;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

// client-go's reasonForError fallback when a body is not a Status (a proxy, a plain-text 404).
const reasonByCode = new Map<number, [string, string]>([
  [400, ['BadRequest', 'the server rejected our request for an unknown reason']],
  [401, ['Unauthorized', 'the server has asked for the client to provide credentials']],
  [403, ['Forbidden', 'the server does not allow access to the requested resource']],
  [404, ['NotFound', 'the server could not find the requested resource']],
  [405, ['MethodNotAllowed', 'the server does not allow this method on the requested resource']],
  [406, ['NotAcceptable', 'the server was unable to respond with a content type that the client supports']],
  [409, ['Conflict', 'the server reported a conflict']],
  [410, ['Gone', 'the requested resource is no longer available']],
  [415, ['UnsupportedMediaType', 'the server was unable to respond with a content type that the client supports']],
  [422, ['Invalid', 'the server rejected our request due to an error in our request']],
  [429, ['TooManyRequests', 'the server has received too many requests and has asked us to try again later']],
  [500, ['InternalError', 'an error on the server has prevented the request from succeeding']],
  [503, ['ServiceUnavailable', 'the server is currently unable to handle the request']],
  [504, ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request']],
]);

/** A Status for an HTTP answer whose body was not one. */
export function statusFromHttp(code: number, body: string): Status {
  const [reason, message] = reasonByCode.get(code) ?? ['Unknown', 'an error on the server has prevented the request from succeeding'];
  const excerpt = body.trim().slice(0, 200);
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: excerpt ? `${message} (${excerpt})` : message };
}

const is = (reason: string, code: number) => (e: unknown): boolean =>
  e instanceof ApiStatusError && (e.reason === reason || (e.reason === '' && e.code === code));

export const isNotFound = is('NotFound', 404);
export const isConflict = is('Conflict', 409);
export const isAlreadyExists = is('AlreadyExists', 409);
/** 410: the resourceVersion is too old (watch or list), or the resource expired; relist. */
export const isGone = (e: unknown): boolean =>
  e instanceof ApiStatusError && (e.reason === 'Gone' || e.reason === 'Expired' || e.reason === 'ResourceExpired' || e.code === 410);
export const isInvalid = is('Invalid', 422);
export const isForbidden = is('Forbidden', 403);
