// Whole Kubernetes protobuf bodies ⇄ JSON objects: envelope, message by kind, conversion.
import { ApiError, apiError, badRequest } from '../status.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { encodeJson } from './from-json.js';
import { messageFor } from './loader.js';
import { messageToJson } from './to-json.js';

/**
 * A `application/vnd.kubernetes.protobuf` body as the JSON object (apiVersion and kind from the
 * envelope). Throws ApiError 400 on a missing magic, a truncated or malformed message, or bytes
 * that claim JSON and are not; 415 for a kind skiff has no message for or a content encoding.
 */
export function decodeProtobufObject(bytes: Uint8Array): Record<string, unknown> {
  const env = decodeEnvelope(bytes);
  if (env.contentEncoding) throw apiError(415, 'UnsupportedMediaType', `content encoding "${env.contentEncoding}" is not supported`);
  const type = messageFor(env.apiVersion, env.kind);
  if (!type) throw apiError(415, 'UnsupportedMediaType', `no protobuf message is known for ${env.apiVersion}, Kind=${env.kind}: send application/json`);
  try {
    const obj = messageToJson(type, type.decode(env.raw) as unknown as Record<string, unknown>);
    return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest(`unable to decode ${env.apiVersion}, Kind=${env.kind} from protobuf: ${(err as Error).message}`);
  }
}

/** True when `obj` (by its apiVersion and kind) has a protobuf message. Never throws. */
export function canEncodeProtobuf(obj: unknown): boolean {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return typeof o?.apiVersion === 'string' && typeof o.kind === 'string' && messageFor(o.apiVersion, o.kind) !== undefined;
}

/** `obj` framed as a Kubernetes protobuf body. Throws ApiError 406 when its kind has no message, 500 when a field has the wrong shape. */
export function encodeProtobufObject(obj: Record<string, unknown>): Buffer {
  const apiVersion = String(obj.apiVersion ?? ''), kind = String(obj.kind ?? '');
  const type = messageFor(apiVersion, kind);
  if (!type) throw apiError(406, 'NotAcceptable', `${apiVersion}, Kind=${kind} has no protobuf form: accept application/json`);
  try {
    return encodeEnvelope({ apiVersion, kind, raw: encodeJson(type, obj) });
  } catch (err) {
    throw apiError(500, 'InternalError', `Internal error occurred: encoding ${kind} as protobuf: ${(err as Error).message}`);
  }
}
