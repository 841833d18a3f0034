// Store errors become Kubernetes Status errors here, at the storage edge (upstream's
// storage.InterpretGetError and friends), with the resource's name in upstream's wording.
import type { ResourceInfo } from '../../api/resources.js';
import { StoreError } from '../../store/types.js';
import { alreadyExists, apiError, ApiError, conflict, gone, internalError, notFound } from '../status.js';

/** Maps any error from the store to an ApiError; ApiErrors pass through. Never throws. */
export function storeToApi(err: unknown, r: ResourceInfo, name = ''): ApiError {
  if (err instanceof ApiError) return err;
  if (!(err instanceof StoreError)) return internalError((err as Error)?.message ?? String(err));
  switch (err.kind) {
    case 'notFound': return notFound(r.plural, name, r.group);
    case 'exists': return alreadyExists(r.plural, name, r.group);
    case 'conflict': return conflict(r.plural, name, 'the object has been modified; please apply your changes to the latest version and try again', r.group);
    case 'compacted': return gone(`The resourceVersion for the provided list is too old.`);
    case 'futureRevision': return apiError(504, 'Timeout', `Too large resource version: ${err.details.revision ?? ''}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1,
    });
    case 'tooLarge': return apiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 1572864 bytes of stored object');
    case 'unavailable': return apiError(503, 'ServiceUnavailable', `storage unavailable: ${err.message}`);
  }
}
