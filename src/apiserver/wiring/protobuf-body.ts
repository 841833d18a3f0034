// Typed clients (kubectl's `create token`, `auth can-i`, `auth whoami`) send their bodies
// as Kubernetes protobuf: "k8s\0" + runtime.Unknown{typeMeta, raw}. This decodes the few
// kinds this folder serves, into the same JSON shape a JSON client would have sent. Field
// numbers are upstream's (k8s.io/api .../generated.proto); only the fields read here are listed.
import protobuf from 'protobufjs';
import { apiError, badRequest } from '../status.js';

const SCHEMA = `
syntax = "proto2";
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional BoundObjectReference boundObjectRef = 3; optional int64 expirationSeconds = 4; }
message TokenRequest { optional TokenRequestSpec spec = 2; }
message ResourceAttributes { optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4; optional string resource = 5; optional string subresource = 6; optional string name = 7; }
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; }
message SelfSubjectAccessReview { optional SelfSubjectAccessReviewSpec spec = 2; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message SelfSubjectRulesReview { optional SelfSubjectRulesReviewSpec spec = 2; }
message SelfSubjectReview { }
`;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const root = protobuf.parse(SCHEMA).root;
const KINDS = new Set(['TokenRequest', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SelfSubjectReview']);

/**
 * The JSON form of a protobuf-encoded TokenRequest or self-review. Throws ApiError 400 on a
 * malformed envelope or message, 415 on any other kind.
 */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) throw badRequest('protobuf body without the k8s envelope prefix');
  let envelope: any;
  try {
    envelope = root.lookupType('Unknown').toObject(root.lookupType('Unknown').decode(body.subarray(MAGIC.length)), { defaults: false });
  } catch (e) {
    throw badRequest(`malformed protobuf envelope: ${(e as Error).message}`);
  }
  const kind: string = envelope.typeMeta?.kind ?? '';
  if (!KINDS.has(kind)) throw apiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf only for ${[...KINDS].join(', ')})`);
  let message: any;
  try {
    const type = root.lookupType(kind);
    message = type.toObject(type.decode(envelope.raw ?? Buffer.alloc(0)), { longs: Number, defaults: false, arrays: false });
  } catch (e) {
    throw badRequest(`malformed protobuf ${kind}: ${(e as Error).message}`);
  }
  return { apiVersion: envelope.typeMeta?.apiVersion, kind, ...message };
}
