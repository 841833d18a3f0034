// ServiceAccount tokens: JWTs signed by the cluster's service-account key, in the shape of
// upstream's bound tokens (TokenRequest): sub system:serviceaccount:<ns>:<name>, the
// `kubernetes.io` private claim naming the account and the object the token is bound to.
import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
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
interface KubernetesClaim {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

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

/** What a verifier needs; built once per authenticator. */
export interface ServiceAccountVerifier {
  /**
   * The user a token stands for; undefined when it is not a JWT of our issuer (another
   * authenticator's token). Throws an Error saying why when it is ours but invalid
   * (bad signature, expired, not yet valid, wrong audience, malformed claims).
   */
  verify(token: string): UserInfo | undefined;
}

export function serviceAccountVerifier(key: ServiceAccountKey, audiences: string[], now: () => Date): ServiceAccountVerifier {
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
        clockTimestamp: Math.floor(now().getTime() / 1000),
      }) as jwt.JwtPayload;
      return userFromClaims(claims);
    },
  };
}

function userFromClaims(claims: jwt.JwtPayload): UserInfo {
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
  return {
    name: claims.sub,
    uid: k.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
