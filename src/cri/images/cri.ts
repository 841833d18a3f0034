// The CRI's view of the image store: records as runtime.v1.Image, and store failures as
// CriErrors. Used by the ImageService handlers in rpc/.
import type { ImageRpcs } from '../api.js';
import { CriError, internal, invalidArgument, notFound } from '../errors.js';
import { DigestMismatch } from './content.js';
import { PullStalled } from './limits.js';
import type { ImageRecord } from './records.js';
import { ReferenceError } from './reference.js';
import { RegistryError } from './registry.js';
import { UnpackError } from './unpack.js';

type CriImage = NonNullable<ImageRpcs['ImageStatus']['resIn']['image']>;

/** containerd's toCRIImage: uid for a numeric image user, username for a named one. */
export function toCriImage(rec: ImageRecord): CriImage {
  return {
    id: rec.id,
    repoTags: rec.repoTags,
    repoDigests: rec.repoDigests,
    size: rec.size,
    uid: rec.uid === undefined ? null : { value: rec.uid },
    username: rec.username,
    pinned: rec.pinned,
  };
}

/** ImageStatus verbose info, shaped like containerd's: {"info": JSON of chainID and the image spec}. */
export function verboseInfo(rec: ImageRecord): Record<string, string> {
  return { info: JSON.stringify({ chainID: rec.chainIds[rec.chainIds.length - 1] ?? '', imageSpec: rec.config }) };
}

/** A failed pull as the status the caller sees; `field` names the request field with the reference. */
export function pullError(err: unknown, field: string): CriError {
  if (err instanceof CriError) return err;
  if (err instanceof ReferenceError) return invalidArgument(`${field}: ${err.message}`);
  if (err instanceof RegistryError) {
    if (err.status === 404) return notFound(err.message);
    if (err.status === 401 || err.status === 403) return new CriError('permissionDenied', `authentication failed: ${err.message}`, { cause: err });
    if (err.status === 0) return new CriError('unavailable', err.message, { cause: err });
    return new CriError('unknown', err.message, { cause: err });
  }
  if (err instanceof DigestMismatch) return new CriError('aborted', `pulled content failed verification, nothing was kept: ${err.message}`, { cause: err });
  if (err instanceof UnpackError) return new CriError('failedPrecondition', `image layer refused: ${err.message}`, { cause: err });
  // containerd cancels the pull's context: the caller sees Canceled.
  if (err instanceof PullStalled) return new CriError('cancelled', `pull cancelled: ${err.message}`, { cause: err });
  if (err instanceof Error && err.name === 'AbortError') return new CriError('cancelled', `pull cancelled: ${err.message}`, { cause: err });
  return internal(err instanceof Error ? err.message : String(err), err);
}
