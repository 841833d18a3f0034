// User impersonation (kubectl --as / --as-group / --as-uid): after authentication, the
// Impersonate-* headers name who the request should act as. Each part named is authorized
// for the real requester as verb `impersonate` (upstream's impersonation filter), then the
// rest of the request sees only the impersonated user.
import { ownValue, setOwn } from '../../own-keys.js';
import { badRequest } from '../status.js';
import { parseServiceAccountUsername, serviceAccountUsername } from './serviceaccount-token.js';
import { AUTHENTICATED, UNAUTHENTICATED, type Attributes, type Decision, type UserInfo } from './types.js';

/** Header name → every value it was sent with (Node's `req.headersDistinct`: names lower-case). */
export type DistinctHeaders = Record<string, string[] | undefined>;

export type ImpersonationRequest =
  | { kind: 'User'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'UserExtra'; key: string; value: string }
  | { kind: 'UID'; uid: string };

export type ImpersonationResult =
  | { user: UserInfo }
  /** The first part the requester may not impersonate, and the authorizer's reason. */
  | { denied: Attributes; reason: string };

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTH_GROUP = 'authentication.k8s.io';
const ANONYMOUS = 'system:anonymous';

// Extra keys travel percent-encoded in header names (upstream: url.PathUnescape; a malformed
// encoding is kept as sent).
function unescapeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * What the Impersonate-* headers ask for, in upstream's order: user, groups, extras, uid.
 * Empty when there are none. Throws ApiError 400 when groups, extras or a uid are asked for
 * without a user. (Upstream's filter answers that case with a 500; see the README.)
 */
export function impersonationRequests(headers: DistinctHeaders): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headers[USER]?.[0] ?? '';
  if (user) {
    const sa = parseServiceAccountUsername(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[0], name: sa[1] } : { kind: 'User', name: user });
  }
  for (const name of headers[GROUP] ?? []) out.push({ kind: 'Group', name });
  for (const [header, values] of Object.entries(headers)) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    const key = unescapeKey(header.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const value of values ?? []) out.push({ kind: 'UserExtra', key, value });
  }
  const uid = headers[UID]?.[0] ?? '';
  if (uid) out.push({ kind: 'UID', uid });
  if (!user && out.length) {
    const what = out.map((r) => r.kind === 'UserExtra' ? `extra ${r.key}=${r.value}` : r.kind === 'UID' ? `uid ${r.uid}` : `group ${r.name}`).join(', ');
    throw badRequest(`requested [${what}] without impersonating a user`);
  }
  return out;
}

/** The check upstream makes for one part: verb impersonate on users/groups/serviceaccounts/uids/userextras. */
export function impersonationAttributes(requestor: UserInfo, r: ImpersonationRequest): Attributes {
  const base = { user: requestor, verb: 'impersonate', resourceRequest: true, path: '' };
  switch (r.kind) {
    case 'User': return { ...base, apiGroup: '', resource: 'users', name: r.name };
    case 'ServiceAccount': return { ...base, apiGroup: '', resource: 'serviceaccounts', namespace: r.namespace, name: r.name };
    case 'Group': return { ...base, apiGroup: '', resource: 'groups', name: r.name };
    case 'UserExtra': return { ...base, apiGroup: AUTH_GROUP, resource: 'userextras', subresource: r.key, name: r.value };
    case 'UID': return { ...base, apiGroup: AUTH_GROUP, resource: 'uids', name: r.uid };
  }
}

/**
 * The user the request acts as: undefined when it asks for no impersonation, the impersonated
 * user when every part is allowed, or the first denied part. Groups given replace the derived
 * ones (a ServiceAccount's own groups when none are given); system:authenticated is added
 * unless system:authenticated or system:unauthenticated is there (system:unauthenticated for
 * system:anonymous), as upstream. Throws ApiError 400 as impersonationRequests; rejects when
 * `authorize` does.
 */
export async function impersonate(
  headers: DistinctHeaders,
  requestor: UserInfo,
  authorize: (user: UserInfo, attrs: Attributes) => Promise<Decision>,
): Promise<ImpersonationResult | undefined> {
  const requests = impersonationRequests(headers);
  if (!requests.length) return undefined;
  const groupsGiven = requests.some((r) => r.kind === 'Group');
  let name = '';
  let uid = '';
  let groups: string[] = [];
  // Keys come from header names: 'constructor' found Object's own function and pushed to it (500).
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attrs = impersonationAttributes(requestor, r);
    const decision = await authorize(requestor, attrs);
    if (!decision.allowed) return { denied: attrs, reason: decision.reason };
    if (r.kind === 'User') name = r.name;
    else if (r.kind === 'ServiceAccount') {
      name = serviceAccountUsername(r.namespace, r.name);
      if (!groupsGiven) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
    } else if (r.kind === 'Group') groups.push(r.name);
    else if (r.kind === 'UserExtra') {
      const values = ownValue(extra, r.key);
      if (values) values.push(r.value);
      else setOwn(extra, r.key, [r.value]);
    }
    else uid = r.uid;
  }
  if (name !== ANONYMOUS) {
    if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) groups.push(AUTHENTICATED);
  } else if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);
  return { user: { name, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) } };
}
