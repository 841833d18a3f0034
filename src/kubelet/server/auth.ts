// Who may use the kubelet's API, as upstream's kubelet (pkg/kubelet/server/auth.go with the
// webhook authenticator and authorizer): a client certificate chaining to the client CA (CN
// the user, O the groups), else a bearer token the apiserver vouches for (TokenReview); then
// a SubjectAccessReview on nodes/<subresource> named after this node. Answers are cached as
// upstream's webhooks cache them: tokens 2 min, allowed 5 min, denied 30 s.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import type { Clock } from '../../host/clock.js';
import { TtlCache } from './ttl-cache.js';

export interface KubeletUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is authorized: nodes/<subresource> of this node, with the verb of the HTTP method. */
export interface KubeletAttributes {
  verb: string;
  subresource: string;
}

const TOKEN_TTL_MS = 2 * 60_000;
const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;

const VERBS = new Map([['POST', 'create'], ['GET', 'get'], ['HEAD', 'get'], ['PUT', 'update'], ['PATCH', 'patch'], ['DELETE', 'delete']]);

/**
 * Upstream's GetRequestAttributes: /stats → stats, /metrics → metrics, /logs → log, anything
 * else (containerLogs, exec, attach, portForward, pods, healthz) → proxy. A path is under a
 * prefix only at a segment boundary (/statsx is proxy).
 */
export function kubeletAttributes(method: string, path: string): KubeletAttributes {
  const verb = VERBS.get(method) ?? method.toLowerCase();
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  const subresource = under('/stats') ? 'stats' : under('/metrics') ? 'metrics' : under('/logs') ? 'log' : 'proxy';
  return { verb, subresource };
}

export interface KubeletAuthDeps {
  nodeName: string;
  client: Client;
  clock: Clock;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

interface SubjectAccessReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
}

export class KubeletAuth {
  private readonly tokens: TtlCache<KubeletUser | null>;
  private readonly decisions: TtlCache<boolean>;

  constructor(private readonly deps: KubeletAuthDeps) {
    this.tokens = new TtlCache(deps.clock);
    this.decisions = new TtlCache(deps.clock);
  }

  /**
   * The request's user; undefined when it carries no credentials we accept (upstream: 401).
   * Rejects when the apiserver cannot be asked about a token.
   */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const socket = req.socket as TLSSocket;
    // authorized: the chain was verified against the client CA by the TLS layer (expiry too).
    if (socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert.subject?.CN;
      const o = cert.subject?.O;
      if (typeof cn === 'string' && cn) return { name: cn, groups: Array.isArray(o) ? [...o] : o ? [o] : [] };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    return (await this.reviewToken(m[1]!)) ?? undefined;
  }

  private async reviewToken(token: string): Promise<KubeletUser | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.tokens.get(key);
    if (cached !== undefined) return cached;
    const review = await this.deps.client.resource<KubeObject & { spec?: unknown; status?: TokenReviewStatus }>({ group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews' })
      .create({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } });
    const s = review.status ?? {};
    const user = s.authenticated && s.user?.username
      ? { name: s.user.username, groups: s.user.groups ?? [], ...(s.user.uid ? { uid: s.user.uid } : {}), ...(s.user.extra ? { extra: s.user.extra } : {}) }
      : null;
    this.tokens.set(key, user, TOKEN_TTL_MS);
    return user;
  }

  /** Whether user may do attrs on this node. Rejects when the apiserver cannot be asked (upstream: 500). */
  async authorize(user: KubeletUser, attrs: KubeletAttributes): Promise<boolean> {
    const key = JSON.stringify([user.name, user.uid ?? '', [...user.groups].sort(), user.extra ?? {}, attrs.verb, attrs.subresource]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const review = await this.deps.client.resource<KubeObject & { spec?: unknown; status?: SubjectAccessReviewStatus }>({ group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews' })
      .create({
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
        spec: {
          user: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: { verb: attrs.verb, group: '', version: 'v1', resource: 'nodes', subresource: attrs.subresource, name: this.deps.nodeName },
        },
      });
    const allowed = review.status?.allowed === true && review.status.denied !== true;
    this.decisions.set(key, allowed, allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS);
    return allowed;
  }
}
