// Allocation failures as the Status upstream's service REST storage answers with.
import { apiError, invalid, type ApiError } from '../status.js';
import { AllocError } from './bitmap.js';
import type { AllocService } from './service-fields.js';

/** Go's %#v of a []string, which upstream's field errors print for clusterIPs. */
const goStrings = (values: string[]) => `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;

const invalidField = (svc: AllocService, field: string, shown: string, detail: string): ApiError =>
  invalid('Service', svc?.metadata?.name ?? '', [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` }]);

/** `e` undefined: the requested value is not an IP at all. */
export function clusterIPError(svc: AllocService, ip: string, range: string, e: AllocError | undefined): ApiError {
  const ips: string[] = svc.spec?.clusterIPs ?? [ip];
  if (!e) return invalidField(svc, 'spec.clusterIPs', goStrings(ips), 'failed to parse IP');
  const why = e.kind === 'allocated' ? 'provided IP is already allocated' : `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range}`;
  return invalidField(svc, 'spec.clusterIPs', goStrings(ips), `failed to allocate IP ${ip}: ${why}`);
}

function portReason(e: AllocError, range: string): string {
  return e.kind === 'allocated' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${range}`;
}

export function nodePortError(svc: AllocService, index: number, port: number, range: string, e: AllocError): ApiError {
  return invalidField(svc, `spec.ports[${index}].nodePort`, String(port), portReason(e, range));
}

export function healthCheckNodePortError(svc: AllocService, port: number, range: string, e: AllocError): ApiError {
  return invalidField(svc, 'spec.healthCheckNodePort', String(port), `failed to allocate requested HealthCheck NodePort ${port}: ${portReason(e, range)}`);
}

export function familyError(svc: AllocService, field: string, value: string, detail: string): ApiError {
  return invalidField(svc, field, JSON.stringify(value), detail);
}

/** Upstream answers a full range with 500 InternalError, not 422: the user did nothing wrong. */
export const rangeFull = (what: string) => apiError(500, 'InternalError', `Internal error occurred: failed to allocate a ${what}: range is full`);

/** Rethrows anything that is not an AllocError; returns it otherwise. */
export function asAllocError(e: unknown): AllocError {
  if (e instanceof AllocError) return e;
  throw e;
}
