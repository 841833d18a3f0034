// Content negotiation: which representation of the answer the client asked for in Accept
// (JSON or YAML; a meta.k8s.io Table or PartialObjectMetadata; aggregated discovery), and
// how a request body is decoded (JSON, YAML, or Kubernetes protobuf as kubectl's generators
// send it). Answers are JSON or YAML: clients that accept protobuf also accept JSON.
import { decodeProtobufObject } from '../protobuf/codec.js';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/envelope.js';
import { apiError, badRequest } from '../status.js';
import { dict, type Dict } from '../../own-keys.js';
import { jsonDepthError } from '../../api/nesting-depth.js';
import { parseYamlAsync, parseYamlChecked } from '../../api/yaml-offload.js';

export interface MediaType {
  type: string;
  /** By name as sent (any name is data: `__proto__` too). */
  params: Dict<string>;
}

export interface Representation {
  format: 'json' | 'yaml';
  /** Conversion asked with `;as=`: 'Table', 'PartialObjectMetadata', 'PartialObjectMetadataList', 'APIGroupDiscoveryList'. */
  as?: string;
  /** The Content-Type to answer with. */
  contentType: string;
}

/** Parses an Accept (or Content-Type) header into media types in order. Never throws. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(',').map((entry) => {
    const [type, ...params] = entry.split(';').map((s) => s.trim());
    const p = dict<string>();
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: (type ?? '').toLowerCase(), params: p };
  }).filter((m) => m.type);
}

const JSON_TYPES = new Set(['application/json', '*/*', 'application/*']);

/**
 * The first acceptable representation among `conversions` (the `as=` values this endpoint can
 * produce). Throws ApiError 406 when none of the client's media types can be served.
 */
export function negotiate(accept: string | undefined, conversions: readonly string[] = []): Representation {
  const types = parseAccept(accept);
  if (types.length === 0) return { format: 'json', contentType: 'application/json' };
  for (const m of types) {
    const yaml = m.type === 'application/yaml';
    if (!JSON_TYPES.has(m.type) && !yaml) continue;
    const as = m.params.as;
    if (!as) return yaml ? { format: 'yaml', contentType: 'application/yaml' } : { format: 'json', contentType: 'application/json' };
    if (!conversions.includes(as)) continue;
    if (as === 'APIGroupDiscoveryList') {
      if (m.params.g !== 'apidiscovery.k8s.io' || (m.params.v !== 'v2' && m.params.v !== 'v2beta1')) continue;
      return { format: 'json', as, contentType: `application/json;g=apidiscovery.k8s.io;v=${m.params.v};as=APIGroupDiscoveryList` };
    }
    if (m.params.g !== 'meta.k8s.io' || (m.params.v !== 'v1' && m.params.v !== 'v1beta1')) continue;
    return { format: yaml ? 'yaml' : 'json', as, contentType: `${yaml ? 'application/yaml' : 'application/json'};as=${as};g=meta.k8s.io;v=${m.params.v}` };
  }
  throw apiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
}

export const YAML_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/yaml', 'application/apply-patch+yaml', 'text/yaml']);

/** A body's media type, without parameters; JSON when the request names none. */
export const bodyMediaType = (contentType: string | undefined) => (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();

const yamlBodyError = (err: unknown) => badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);

/**
 * decodeBody with YAML parsed off the event loop (api/yaml-offload.ts): what request handlers
 * use. Throws the same ApiErrors (400 for a YAML document past its parse deadline too).
 */
export async function decodeBodyAsync(contentType: string | undefined, body: Buffer): Promise<unknown> {
  if (!YAML_MEDIA_TYPES.has(bodyMediaType(contentType))) return decodeBody(contentType, body);
  try {
    return await parseYamlAsync(body.toString('utf8'));
  } catch (err) {
    throw yamlBodyError(err);
  }
}

/**
 * Decodes a request body by its Content-Type: JSON (and the JSON patch types), YAML (and
 * apply-patch+yaml) or application/vnd.kubernetes.protobuf (objects of the served kinds, as
 * JSON). Throws ApiError 400 on malformed input, 415 on an unknown type or a kind with no
 * protobuf message.
 */
export function decodeBody(contentType: string | undefined, body: Buffer): unknown {
  const type = bodyMediaType(contentType);
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobufObject(body);
  const text = body.toString('utf8');
  if (YAML_MEDIA_TYPES.has(type)) {
    try {
      return parseYamlChecked(text);
    } catch (err) {
      throw yamlBodyError(err);
    }
  }
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    const deep = jsonDepthError(text);
    if (deep) throw badRequest(`json: cannot unmarshal request body: ${deep}`);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw badRequest(`json: cannot unmarshal request body: ${(err as Error).message}`);
    }
  }
  throw apiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}
