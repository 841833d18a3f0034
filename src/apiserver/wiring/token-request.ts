// serviceaccounts/token (TokenRequest, authentication.k8s.io/v1): a signed, bound JWT for a
// ServiceAccount that exists, with upstream's defaults (1 h, the API audiences) and limits.
import { section, stringOf } from '../storage/fields.js';
import { findResource } from '../../api/resources.js';
import { isObject, type JsonObject } from '../../api/types.js';
import { issueServiceAccountToken, type BoundObject, type ServiceAccountKey } from '../auth/index.js';
import { apiError, badRequest, conflict, invalid, type StatusCause } from '../status.js';
import type { Registry } from '../storage/registry.js';
import type { Clock } from '../../host/clock.js';

/** spec.boundObjectRef, with its fields of the types they must have ('' where one is not). */
interface BoundRef { kind: BoundObject['kind']; name: string; uid: string }

const boundKind = (k: unknown): BoundObject['kind'] | undefined => (typeof k === 'string' && BOUND_KINDS.has(k) ? k as BoundObject['kind'] : undefined);

export interface TokenRequestDeps {
  registry: Registry;
  key: ServiceAccountKey;
  /** Default audiences (upstream --api-audiences, else the issuer). */
  audiences: string[];
  clock: Clock;
}

const DEFAULT_SECONDS = 3600;
const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
// A Map: the kind comes from the request body, and a plain object would answer for
// inherited names such as `constructor`.
const BOUND_KINDS = new Map<string, { group: string; version: string; plural: string; namespaced: boolean }>([
  ['Pod', { group: '', version: 'v1', plural: 'pods', namespaced: true }],
  ['Secret', { group: '', version: 'v1', plural: 'secrets', namespaced: true }],
  ['Node', { group: '', version: 'v1', plural: 'nodes', namespaced: false }],
]);

/**
 * Issues the token for ServiceAccount ns/name and returns the TokenRequest with its status.
 * Throws ApiError 400 (not a TokenRequest, or a Pod running as another account), 404 (no such account or bound object), 409
 * (bound object's uid differs), 422 (bad expiration or bound object kind).
 */
export async function createToken(deps: TokenRequestDeps, ns: string, name: string, body: unknown): Promise<JsonObject> {
  if (!isObject(body)) throw badRequest('the body of a token request must be a TokenRequest object');
  const reqObj = body;
  if (reqObj.kind !== undefined && reqObj.kind !== 'TokenRequest') throw badRequest(`expected a TokenRequest, got ${String(reqObj.kind)}`);
  const sa = await deps.registry.get(findResource('', 'v1', 'serviceaccounts')!, ns, name);
  const spec: JsonObject = { ...(isObject(reqObj.spec) ? reqObj.spec : {}) };
  const given = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const audiences = given.length ? given : deps.audiences;
  spec.audiences = audiences;
  spec.expirationSeconds ??= DEFAULT_SECONDS;
  const causes: StatusCause[] = [];
  const seconds = Number(spec.expirationSeconds);
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${String(spec.expirationSeconds)}: may not specify a duration less than 10 minutes` });
  else if (seconds > MAX_SECONDS) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${String(spec.expirationSeconds)}: may not specify a duration larger than 2^32 seconds` });
  const rawRef = isObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const refKind = boundKind(rawRef?.kind);
  const ref: BoundRef | undefined = rawRef && refKind && { kind: refKind, name: text(rawRef.name), uid: text(rawRef.uid) };
  if (rawRef && !refKind) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: "${String(rawRef.kind)}": supported values: "Pod", "Secret", "Node"` });
  if (causes.length) throw invalid('TokenRequest', name, causes, 'authentication.k8s.io');
  // Stored nowhere, but admitted as a create of serviceaccounts/token (NodeRestriction: a
  // kubelet's tokens must be bound to its own pods).
  await deps.registry.deps.hooks.admission.validate({ operation: 'CREATE', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name, object: { ...reqObj, spec }, dryRun: false });

  const boundObject = ref ? await bound(deps.registry, ns, name, ref) : undefined;
  const now = new Date(deps.clock.now());
  const token = issueServiceAccountToken(deps.key, { namespace: ns, name, uid: sa.metadata.uid ?? '' }, {
    audiences, expirationSeconds: seconds, now, ...(boundObject ? { boundObject } : {}),
  });
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...(isObject(reqObj.metadata) ? reqObj.metadata : {}), name, namespace: ns, creationTimestamp: null },
    spec,
    status: { token, expirationTimestamp: new Date(Math.floor(now.getTime() / 1000) * 1000 + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}

async function bound(registry: Registry, ns: string, serviceAccount: string, ref: BoundRef): Promise<BoundObject> {
  const kind = BOUND_KINDS.get(ref.kind)!;
  const obj = await registry.get(findResource(kind.group, kind.version, kind.plural)!, kind.namespaced ? ns : '', ref.name);
  // A token bound to a pod must be the pod's own account's: otherwise it would carry the pod's
  // (and its node's) identity for another account. Pods run as `default` unless they say
  // otherwise (upstream's ServiceAccount admission writes that in; skiff leaves it unset).
  // Upstream checks nothing of the kind for Secrets and Nodes; neither does skiff.
  const spec = section(obj.spec);
  if (ref.kind === 'Pod' && (stringOf(spec.serviceAccountName) || 'default') !== serviceAccount) {
    throw badRequest(`cannot bind token for serviceaccount "${serviceAccount}" to pod running with different serviceaccount name.`);
  }
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw conflict(kind.plural, ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  const out: BoundObject = { kind: ref.kind, name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '' };
  const nodeName = stringOf(spec.nodeName);
  if (ref.kind === 'Pod' && nodeName) {
    const node = await registry.get(findResource('', 'v1', 'nodes')!, '', nodeName).catch(() => undefined);
    if (node) out.node = { name: node.metadata.name ?? '', uid: node.metadata.uid ?? '' };
  }
  return out;
}

export const tokenRequestUnavailable = () => apiError(404, 'NotFound', 'the server could not find the requested resource (no service account signing key)');
