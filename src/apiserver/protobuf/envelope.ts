// Kubernetes' protobuf framing: the 4-byte magic `k8s\0`, then a runtime.Unknown whose typeMeta
// names the object's apiVersion/kind and whose raw holds the object's own message.
import { ApiError, badRequest } from '../status.js';
import { lookupType } from './loader.js';

export const MAGIC = Buffer.from('k8s\u0000', 'latin1');
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  /** Empty for plain bytes (the only encoding upstream writes). */
  contentEncoding: string;
  contentType: string;
}

/** Unwraps magic + runtime.Unknown. Throws ApiError 400 when the magic is missing or the envelope is not a valid message. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < MAGIC.length || !MAGIC.equals(Buffer.from(bytes.subarray(0, MAGIC.length)))) {
    throw badRequest('provided object is not a Kubernetes protobuf message: the "k8s\\x00" prefix is missing');
  }
  const Unknown = lookupType('k8s.io.apimachinery.pkg.runtime.Unknown')!;
  let u: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string; contentType?: string };
  try {
    u = Unknown.decode(bytes.subarray(MAGIC.length)) as typeof u;
  } catch (err) {
    throw err instanceof ApiError ? err : badRequest(`unable to decode the protobuf envelope: ${(err as Error).message}`);
  }
  return {
    apiVersion: u.typeMeta?.apiVersion ?? '', kind: u.typeMeta?.kind ?? '',
    raw: u.raw ?? new Uint8Array(), contentEncoding: u.contentEncoding ?? '', contentType: u.contentType ?? '',
  };
}

/** Wraps an encoded object in runtime.Unknown behind the magic. Never throws. */
export function encodeEnvelope(e: Pick<Envelope, 'apiVersion' | 'kind' | 'raw'>): Buffer {
  const Unknown = lookupType('k8s.io.apimachinery.pkg.runtime.Unknown')!;
  const body = Unknown.encode({ typeMeta: { apiVersion: e.apiVersion, kind: e.kind }, raw: e.raw, contentEncoding: '', contentType: '' }).finish();
  return Buffer.concat([MAGIC, body]);
}
