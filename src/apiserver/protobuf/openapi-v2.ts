// The OpenAPI v2 document as gnostic's openapi_v2.Document protobuf, the form kubectl asks for
// (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf). kubectl reads the
// definitions (schemas by x-kubernetes-group-version-kind, patch strategies and merge keys for
// apply), so those are encoded in full; paths are left out (kubectl does not read them from v2).
import { lookupType } from './loader.js';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** An OpenAPI v2 schema as the document holds it: the members read here, and x- extensions. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  items?: Schema | Schema[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  [member: string]: unknown;
}

interface Document {
  swagger?: string;
  info?: { title?: string; version?: string };
  definitions?: Record<string, Schema>;
}
type Message = Record<string, unknown>;
const cache = new WeakMap<object, Buffer>();

/** The document's bytes, encoded once per document object. Throws a plain Error when a schema has a value of the wrong shape. */
export function openapiV2Protobuf(doc: Document): Buffer {
  const hit = cache.get(doc);
  if (hit) return hit;
  const Document = lookupType('openapi.v2.Document')!;
  const msg = {
    swagger: doc.swagger ?? '2.0',
    info: { title: doc.info?.title ?? '', version: doc.info?.version ?? '' },
    definitions: { additional_properties: Object.entries(doc.definitions ?? {}).map(([name, s]) => ({ name, value: schema(s) })) },
  };
  const bytes = Buffer.from(Document.encode(Document.fromObject(msg)).finish());
  cache.set(doc, bytes);
  return bytes;
}

/** A value as gnostic's Any: YAML text (JSON is YAML). */
const any = (v: unknown) => ({ yaml: `${JSON.stringify(v)}\n` });

function schema(s: Schema): Message {
  const out: Message = {};
  if (s.$ref) out._ref = s.$ref;
  for (const k of ['format', 'title', 'description', 'pattern', 'discriminator'] as const) if (typeof s[k] === 'string') out[k] = s[k];
  if (s.default !== undefined) out.default = any(s.default);
  if (s.example !== undefined) out.example = any(s.example);
  if (s.type !== undefined) out.type = { value: Array.isArray(s.type) ? s.type : [s.type] };
  if (Array.isArray(s.required)) out.required = s.required;
  if (Array.isArray(s.enum)) out.enum = s.enum.map(any);
  if (s.items) out.items = { schema: (Array.isArray(s.items) ? s.items : [s.items]).map(schema) };
  if (Array.isArray(s.allOf)) out.all_of = s.allOf.map(schema);
  if (s.properties) out.properties = { additional_properties: Object.entries(s.properties).map(([name, p]) => ({ name, value: schema(p) })) };
  if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  else if (s.additionalProperties) out.additional_properties = { schema: schema(s.additionalProperties) };
  for (const [k, f] of [['minimum', 'minimum'], ['maximum', 'maximum'], ['minLength', 'min_length'], ['maxLength', 'max_length'], ['minItems', 'min_items'], ['maxItems', 'max_items']] as const) {
    if (typeof s[k] === 'number') out[f] = s[k];
  }
  if (s.readOnly === true) out.read_only = true;
  if (s.uniqueItems === true) out.unique_items = true;
  const ext = Object.entries(s).filter(([k]) => k.startsWith('x-'));
  if (ext.length) out.vendor_extension = ext.map(([name, value]) => ({ name, value: any(value) }));
  return out;
}
