// A kubelet's refusal, as the apiserver passes it on (upstream's
// GenericHttpResponseChecker): the kubelet's text inside a Status of the same class.
import { apiError, type ApiError } from '../status.js';

/** Upstream reads at most this much of a refusal's body. */
export const MAX_REFUSAL_BYTES = 50_000;

export function kubeletRefusal(code: number, body: string, resource: string, name: string): ApiError {
  const where = `( ${resource} ${name})`;
  const cause = { details: { name, kind: resource, causes: [{ reason: 'UnexpectedServerResponse', message: body }] } };
  switch (code) {
    case 400: return apiError(400, 'BadRequest', body);
    case 401: return apiError(401, 'Unauthorized', `the server has asked for the client to provide credentials ${where}`, cause.details);
    case 403: return apiError(403, 'Forbidden', body, cause.details);
    case 404: return apiError(404, 'NotFound', `the server could not find the requested resource ${where}`, cause.details);
    case 500: return apiError(500, 'InternalError', `Internal error occurred: ${body}`);
    default: return apiError(code >= 400 && code < 600 ? code : 500, 'InternalError', `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding ${where}`, cause.details);
  }
}
