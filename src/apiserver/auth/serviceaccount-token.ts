// ServiceAccount tokens: JWTs signed by the cluster's service-account key, in the shape of
// upstream's bound tokens (TokenRequest): sub system:serviceaccount:<ns>:<name>, the
// `kubernetes.io` private claim naming the account and the object the token is bound to.
import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../../host/clock.js';
import type { ServiceAccountKey, UserInfo } from './types.js';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
  /** For a Pod: the node it runs on, recorded as upstream does for pod-bound tokens. */
  node?: { name: string; uid: string };
}

export interface IssueOptions {
  audiences: string[];
  expirationSeconds: number;
  now: Date;
  boundObject?: BoundObject;
}

interface Ref { name: string; uid: string }
/** The `kubernetes.io` private claim: the account a token names and what it is bound to. */
export interface BoundClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}
type KubernetesClaim = BoundClaims;

/** Upstream tolerates this much clock skew on exp/nbf (go-jose's default leeway). */
const LEEWAY_SECONDS = 60;

const SA_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:<ns>:<name>`, the user name of a ServiceAccount. */
export const serviceAccountUsername = (namespace: string, name: string) => `${SA_PREFIX}${namespace}:${name}`;

/** The [namespace, name] of a ServiceAccount user name; undefined for any other user. */
export function parseServiceAccountUsername(user: string): [string, string] | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const parts = user.slice(SA_PREFIX.length).split(':');
  return parts.length === 2 && parts[0] && parts[1] ? [parts[0], parts[1]] : undefined;
}

/** RS256 for RSA keys, ES256/384/512 by curve for EC keys. Throws on any other key type. */
function algorithmFor(key: KeyObject): jwt.Algorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`service account key: unsupported key type ${key.asymmetricKeyType}`);
}

/** The `kid` header: a digest of the public key, so verifiers (and a JWKS) can pick the key. */
function keyId(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/**
 * Signs a bound ServiceAccount token (what serviceaccounts/token returns).
 * Throws when the key is not an RSA or EC private key matching a supported algorithm.
 */
export function issueServiceAccountToken(key: ServiceAccountKey, sa: ServiceAccountRef, opts: IssueOptions): string {
  const publicKey = createPublicKey(key.publicKeyPem);
  const iat = Math.floor(opts.now.getTime() / 1000);
  const claim: KubernetesClaim = { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } };
  const bound = opts.boundObject;
  if (bound?.kind === 'Pod') claim.pod = { name: bound.name, uid: bound.uid };
  if (bound?.kind === 'Secret') claim.secret = { name: bound.name, uid: bound.uid };
  if (bound?.kind === 'Node') claim.node = { name: bound.name, uid: bound.uid };
  if (bound?.kind === 'Pod' && bound.node) claim.node = bound.node;
  const payload = {
    aud: opts.audiences,
    exp: iat + opts.expirationSeconds,
    iat,
    nbf: iat,
    iss: key.issuer,
    jti: randomUUID(),
    'kubernetes.io': claim,
    sub: serviceAccountUsername(sa.namespace, sa.name),
  };
  return jwt.sign(payload, key.privateKeyPem, { algorithm: algorithmFor(publicKey), keyid: keyId(publicKey) });
}

/** A token whose signature and claims check out: its user and its `kubernetes.io` claim. */
export interface VerifiedToken {
  user: UserInfo;
  claims: BoundClaims;
}

/** What a verifier needs; built once per authenticator. */
export interface ServiceAccountVerifier {
  /**
   * The user a token stands for; undefined when it is not a JWT of our issuer (another
   * authenticator's token). Throws an Error saying why when it is ours but invalid
   * (bad signature, expired, not yet valid, wrong audience, malformed claims). Whether the
   * objects it names still exist is checkBoundObjects' question.
   */
  verify(token: string): VerifiedToken | undefined;
}

export function serviceAccountVerifier(key: ServiceAccountKey, audiences: string[], clock: Clock): ServiceAccountVerifier {
  const publicKey = createPublicKey(key.publicKeyPem);
  const algorithm = algorithmFor(publicKey);
  return {
    verify(token) {
      const unverified = jwt.decode(token, { json: true });
      if (!unverified || unverified.iss !== key.issuer) return undefined;
      const claims = jwt.verify(token, publicKey, {
        algorithms: [algorithm],
        issuer: key.issuer,
        audience: audiences as [string, ...string[]],
        clockTolerance: LEEWAY_SECONDS,
        clockTimestamp: Math.floor(clock.now() / 1000),
      }) as jwt.JwtPayload;
      return userFromClaims(claims);
    },
  };
}

function userFromClaims(claims: jwt.JwtPayload): VerifiedToken {
  const k = claims['kubernetes.io'] as KubernetesClaim | undefined;
  if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid) throw new Error('service account token: kubernetes.io claim incomplete');
  if (claims.sub !== serviceAccountUsername(k.namespace, k.serviceaccount.name)) throw new Error('service account token: sub does not match the service account');
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (k.node) {
    extra['authentication.kubernetes.io/node-name'] = [k.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
  }
  if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  const user: UserInfo = {
    name: claims.sub,
    uid: k.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  return { user, claims: k };
}

/** What the live check needs of an object: its identity and whether it is going away. */
export interface LiveObject {
  uid: string;
  /** RFC 3339, set once a delete was asked for (graceful pod deletion, finalizers). */
  deletionTimestamp?: string;
}

export type LiveKind = 'serviceaccounts' | 'secrets' | 'pods' | 'nodes';

/** The objects a token may name, as upstream's informer caches with a live read behind them. */
export interface LiveObjects {
  /** What the cache holds now; undefined when it holds nothing (absent, or not seen yet). Never throws. */
  cached(kind: LiveKind, namespace: string, name: string): LiveObject | undefined;
  /** Reads the object from the store itself; undefined when absent. Rejects when the store does. */
  fetch(kind: LiveKind, namespace: string, name: string): Promise<LiveObject | undefined>;
}

type Lookup = (kind: LiveKind, namespace: string, name: string) => LiveObject | undefined;

// Upstream's message for everything bound that is gone or going.
const INVALIDATED = 'service account token has been invalidated';

/**
 * Why a verified token no longer stands for anyone, or undefined when it still does, as
 * upstream's validator decides: the ServiceAccount must exist with the claimed uid and not
 * have been deleting for more than the leeway; so must the Secret or Pod it is bound to, and
 * the Node when it is bound to a Node alone. Synchronous when the cache holds every object
 * named; otherwise the missing ones are read from the store (a cache that lags a create must
 * not reject a fresh token) and the answer is a Promise, which rejects only when that read does.
 */
export function checkBoundObjects(claims: BoundClaims, objects: LiveObjects, now: Date): string | undefined | Promise<string | undefined> {
  const misses: [LiveKind, string, string][] = [];
  const cached: Lookup = (kind, ns, name) => {
    const obj = objects.cached(kind, ns, name);
    if (!obj) misses.push([kind, ns, name]);
    return obj;
  };
  const answer = whyInvalid(claims, cached, now);
  if (!misses.length) return answer;
  return (async () => {
    const fetched = new Map<string, LiveObject | undefined>();
    await Promise.all(misses.map(async ([kind, ns, name]) => { fetched.set(`${kind}/${ns}/${name}`, await objects.fetch(kind, ns, name)); }));
    return whyInvalid(claims, (kind, ns, name) => objects.cached(kind, ns, name) ?? fetched.get(`${kind}/${ns}/${name}`), now);
  })();
}

function whyInvalid(claims: BoundClaims, get: Lookup, now: Date): string | undefined {
  // Things deleted before now minus the leeway count as gone (upstream's invalidIfDeletedBefore).
  const cutoff = now.getTime() - LEEWAY_SECONDS * 1000;
  const deleted = (obj: LiveObject) => obj.deletionTimestamp !== undefined && Date.parse(obj.deletionTimestamp) < cutoff;
  const ns = claims.namespace;
  const saRef = claims.serviceaccount;
  // Every lookup runs, so a cache miss on any of them is known in one pass.
  const sa = get('serviceaccounts', ns, saRef.name);
  const secret = claims.secret && get('secrets', ns, claims.secret.name);
  const pod = claims.pod && get('pods', ns, claims.pod.name);
  const node = claims.node && !claims.pod ? get('nodes', '', claims.node.name) : undefined;
  if (!sa) return `serviceaccounts "${saRef.name}" not found`;
  if (sa.uid !== saRef.uid) return `service account UID (${sa.uid}) does not match claim (${saRef.uid})`;
  if (deleted(sa)) return `service account ${ns}/${saRef.name} has been deleted`;
  if (claims.secret) {
    if (!secret) return INVALIDATED;
    if (secret.uid !== claims.secret.uid) return `secret UID (${secret.uid}) does not match service account secret ref claim (${claims.secret.uid})`;
    if (deleted(secret)) return INVALIDATED;
  }
  if (claims.pod) {
    if (!pod) return INVALIDATED;
    if (pod.uid !== claims.pod.uid) return `pod UID (${pod.uid}) does not match service account pod ref claim (${claims.pod.uid})`;
    if (deleted(pod)) return INVALIDATED;
  }
  if (claims.node && !claims.pod) {
    if (!node) return INVALIDATED;
    if (node.uid !== claims.node.uid) return `node UID (${node.uid}) does not match service account node ref claim (${claims.node.uid})`;
    if (deleted(node)) return INVALIDATED;
  }
  return undefined;
}
