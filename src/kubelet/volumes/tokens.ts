// Service account tokens for projected volumes, as upstream's kubelet token manager
// (pkg/kubelet/token): one TokenRequest per (pod, account, audience, lifetime), kept and handed
// out again until 80% of its lifetime has passed or it is 24 h old, then requested anew; a
// failed refresh keeps serving the old token while it is still valid.
import type { Pod } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import type { Clock } from '../../host/clock.js';

const SERVICEACCOUNTS = { group: '', version: 'v1', plural: 'serviceaccounts' };
/** The API's default for a projection's expirationSeconds. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_AGE_MS = 24 * 3600 * 1000;

interface Cached {
  readonly token: string;
  readonly issuedMs: number;
  readonly expiresMs: number;
}

interface TokenRequestReply {
  spec?: { expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

export interface TokenSpec {
  readonly audience?: string;
  readonly expirationSeconds?: number;
}

export class TokenManager {
  readonly #cache = new Map<string, Cached>();

  constructor(private readonly client: Client, private readonly clock: Clock) {}

  /** A token for the pod's account bound to the pod. Rejects with the apiserver's error when
   *  no cached token is still valid. */
  async token(pod: Pod, spec: TokenSpec): Promise<string> {
    const ns = pod.metadata.namespace ?? 'default';
    const account = pod.spec?.serviceAccountName || 'default';
    const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const key = JSON.stringify([pod.metadata.uid, ns, account, spec.audience ?? '', seconds]);
    const cached = this.#cache.get(key);
    const now = this.clock.now();
    if (cached && !this.requiresRefresh(cached, now)) return cached.token;
    try {
      const reply = await this.client.resource(SERVICEACCOUNTS, ns).createSubresource<TokenRequestReply>(account, 'token', {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
        spec: {
          ...(spec.audience ? { audiences: [spec.audience] } : {}),
          expirationSeconds: seconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      });
      const token = reply.status?.token;
      const expiresMs = Date.parse(reply.status?.expirationTimestamp ?? '');
      if (!token || Number.isNaN(expiresMs)) throw new Error(`the TokenRequest for ${ns}/${account} came back without a token or expirationTimestamp`);
      const ttlMs = (reply.spec?.expirationSeconds ?? seconds) * 1000;
      const fresh = { token, issuedMs: expiresMs - ttlMs, expiresMs };
      this.#cache.set(key, fresh);
      return token;
    } catch (err) {
      if (cached && now < cached.expiresMs) return cached.token;
      throw err;
    }
  }

  /** Drops the pod's tokens (the pod is gone). */
  forgetPod(uid: string): void {
    for (const key of [...this.#cache.keys()]) if ((JSON.parse(key) as unknown[])[0] === uid) this.#cache.delete(key);
  }

  /** Upstream's requiresRefresh without its jitter (up to 10 s): tests step the clock exactly. */
  private requiresRefresh(c: Cached, now: number): boolean {
    if (now >= c.issuedMs + MAX_AGE_MS) return true;
    return now >= c.expiresMs - (c.expiresMs - c.issuedMs) * 0.2;
  }
}
