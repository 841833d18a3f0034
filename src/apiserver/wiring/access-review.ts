// The "who am I / may I" endpoints kubectl uses: SelfSubjectAccessReview (`kubectl auth
// can-i`), SelfSubjectRulesReview (`can-i --list`) and SelfSubjectReview (`auth whoami`),
// which answer for the requesting user, and SubjectAccessReview/LocalSubjectAccessReview,
// which answer for the subject they name (a kubelet's webhook authorizer asks these). All
// use the same authorizer that guards requests.
import { isObject, type Json, type JsonObject } from '../../api/types.js';
import type { Attributes, Authorize, RbacSource, UserInfo } from '../auth/index.js';
import { nodeIdentity } from '../auth/node/authorizer.js';
import type { PolicyRule } from '../auth/rbac.js';
import { rulesFor } from '../auth/rule-resolver.js';
import { apiError, badRequest, type ApiError, type StatusCause } from '../status.js';
import { ownValue } from '../../own-keys.js';

const object = (body: unknown, kind: string): JsonObject => {
  if (!isObject(body)) throw badRequest(`the body must be a ${kind} object`);
  if (body.kind !== undefined && body.kind !== kind) throw badRequest(`expected a ${kind}, got ${String(body.kind)}`);
  return body;
};
/** The object at o[key]; undefined when absent, null or not an object. */
const objectAt = (o: JsonObject, key: string): JsonObject | undefined => {
  const v = ownValue(o, key);
  return isObject(v) ? v : undefined;
};
/** A string field; '' when absent or of another type (such a review matches nothing). */
const str = (o: JsonObject, key: string): string => {
  const v = ownValue(o, key);
  return typeof v === 'string' ? v : '';
};
const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function resourceAttributes(user: UserInfo, ra: JsonObject): Attributes {
  return {
    user, verb: str(ra, 'verb'), apiGroup: str(ra, 'group'), resource: str(ra, 'resource'), subresource: str(ra, 'subresource'),
    namespace: str(ra, 'namespace'), name: str(ra, 'name'), resourceRequest: true, path: '',
  };
}

function nonResourceAttributes(user: UserInfo, nra: JsonObject): Attributes {
  return { user, verb: str(nra, 'verb'), apiGroup: '', resource: '', path: str(nra, 'path'), resourceRequest: false };
}

/** SelfSubjectAccessReview: may the requester do what spec describes. Throws ApiError 400 on a body without attributes. */
export async function selfSubjectAccessReview(user: UserInfo, body: unknown, authorize: Authorize): Promise<JsonObject> {
  const review = object(body, 'SelfSubjectAccessReview');
  const spec = objectAt(review, 'spec') ?? {};
  const ra = objectAt(spec, 'resourceAttributes');
  const nra = objectAt(spec, 'nonResourceAttributes');
  if (!ra === !nra) throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const attrs = ra ? resourceAttributes(user, ra) : nonResourceAttributes(user, nra ?? {});
  const decision = await authorize(user, attrs);
  return {
    kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}

/**
 * SelfSubjectRulesReview: the rules the requester holds in spec.namespace (cluster-wide
 * bindings included), as upstream's RBAC rules resolver lists them. Throws ApiError 400 when
 * the namespace is missing; rejects when the source does.
 */
export async function selfSubjectRulesReview(user: UserInfo, body: unknown, src: RbacSource): Promise<JsonObject> {
  const review = object(body, 'SelfSubjectRulesReview');
  const ns = str(objectAt(review, 'spec') ?? {}, 'namespace');
  if (!ns) throw badRequest('no namespace on request');
  const masters = user.groups.includes('system:masters');
  const rules: PolicyRule[] = masters ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : [];
  // Upstream's union asks the Node authorizer first, which cannot list a node's rights (they
  // hang on its graph): the answer is incomplete for a kubelet.
  const errors: string[] = nodeIdentity(user) === undefined ? [] : ['node authorizer does not support user rule resolution'];
  if (!masters) {
    const held = await rulesFor(src, user, ns);
    rules.push(...held.rules);
    errors.push(...held.errors);
  }
  const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return {
    kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace: ns },
    status: { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) },
  };
}

/** SelfSubjectReview: who the server takes the requester for. Never throws on a missing body. */
export function selfSubjectReview(user: UserInfo, apiVersion: string): JsonObject {
  return {
    kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } },
  };
}

const SAR_GROUP = 'authorization.k8s.io';

// Go's rendering of a field.Invalid value: "null" for a missing one, %#v for a struct.
const goValue = (v: JsonObject | undefined, type: string) =>
  v ? `authorization.${type}{${Object.entries(v).map(([k, x]) => `${k.charAt(0).toUpperCase()}${k.slice(1)}:${JSON.stringify(x)}`).join(', ')}}` : '"null"';

/** Upstream's ValidateSubjectAccessReviewSpec (plus the LocalSubjectAccessReview rule), as 422 causes. */
function specCauses(spec: JsonObject, local: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const invalidCause = (field: string, value: string, why: string) => causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${why}` });
  const ra = objectAt(spec, 'resourceAttributes');
  const nra = objectAt(spec, 'nonResourceAttributes');
  if (ra && nra) invalidCause('spec.nonResourceAttributes', goValue(nra, 'NonResourceAttributes'), 'cannot be specified in combination with resourceAttributes');
  if (!ra && !nra) invalidCause('spec.resourceAttributes', '"null"', 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  if (!spec.user && !(Array.isArray(spec.groups) && spec.groups.length)) invalidCause('spec.user', JSON.stringify(spec.user ?? ''), 'at least one of user or group must be specified');
  if (local && nra) invalidCause('spec.nonResourceAttributes', goValue(nra, 'NonResourceAttributes'), 'disallowed on this kind of request');
  return causes;
}

function invalidReview(kind: string, causes: StatusCause[]): ApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const what = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return apiError(422, 'Invalid', `${kind}.${SAR_GROUP} "" is invalid: ${what}`, { group: SAR_GROUP, kind, causes });
}

/** The attributes a review's spec describes, for the subject it names. */
function reviewAttributes(user: UserInfo, spec: JsonObject): Attributes {
  const ra = objectAt(spec, 'resourceAttributes');
  return ra ? resourceAttributes(user, ra) : nonResourceAttributes(user, objectAt(spec, 'nonResourceAttributes') ?? {});
}

/**
 * SubjectAccessReview (cluster-scoped) or, with `namespace`, LocalSubjectAccessReview: may
 * spec.user / groups / uid / extra do what spec describes, by the authorizer that guards
 * requests. The subject is taken as given (no system:authenticated added), as upstream.
 * `denied` is never set: RBAC only allows or has no opinion. Throws ApiError 400 (not the
 * kind; a LocalSubjectAccessReview whose namespaces differ from the URL's), 422 (spec
 * invalid, in upstream's words); rejects when `authorize` does.
 */
export async function subjectAccessReview(body: unknown, authorize: Authorize, namespace?: string): Promise<JsonObject> {
  const local = namespace !== undefined;
  const kind = local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview';
  const review = object(body, kind);
  const spec = objectAt(review, 'spec') ?? {};
  const metadata: JsonObject = { ...(objectAt(review, 'metadata') ?? {}) };
  if (local) {
    if (!namespace) throw badRequest('namespace is required on this type: ');
    metadata.namespace ||= namespace;
    if (metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const causes = specCauses(spec, local);
  if (causes.length) throw invalidReview(kind, causes);
  if (local && str(objectAt(spec, 'resourceAttributes') ?? {}, 'namespace') !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  const extras = Object.entries(objectAt(spec, 'extra') ?? {}).map(([k, v]) => [k, strings(v)] as const);
  const extra = extras.length ? Object.fromEntries(extras) : undefined;
  const uid = str(spec, 'uid');
  const user: UserInfo = { name: str(spec, 'user'), groups: strings(spec.groups), ...(uid ? { uid } : {}), ...(extra ? { extra } : {}) };
  const decision = await authorize(user, reviewAttributes(user, spec));
  return {
    kind, apiVersion: `${SAR_GROUP}/v1`, metadata: { ...metadata, creationTimestamp: null }, spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}
