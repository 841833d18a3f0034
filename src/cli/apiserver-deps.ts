// The apiserver's composition root: what authenticates (client certificates, static tokens,
// ServiceAccount tokens), authorizes (Node, then RBAC), admits (admission/), allocates
// Service ClusterIPs/NodePorts and serves the token and review endpoints, built once and
// handed to startApiServer, which has no defaults for any of them. `skiff server` and the
// apiserver tests build their servers here, so both run the same wiring.
import { podSubresourceEndpoint, type KubeletClientTls } from '../apiserver/kubelet/pod-subresources.js';
import { ServiceAllocator, type ServiceAllocatorOptions } from '../apiserver/alloc/index.js';
import type { ServerHooks } from '../apiserver/hooks.js';
import type { ApiServerOptions, ServerPart } from '../apiserver/server.js';
import { Registry } from '../apiserver/storage/registry.js';
import { Strategies } from '../apiserver/storage/strategies/index.js';
import { admissionWiring } from '../apiserver/wiring/admission.js';
import { authWiring, type AuthOptions, type AuthWiring } from '../apiserver/wiring/auth.js';
import { startClusterRoleAggregation, type RunningAggregation } from '../apiserver/wiring/clusterrole-aggregation.js';
import { serveAuthEndpoint } from '../apiserver/wiring/endpoints.js';
import { apiMetrics } from '../apiserver/wiring/metrics.js';
import { ensureBootstrapRbac, ensureKubernetesService, repairServiceAllocations } from '../apiserver/wiring/startup.js';
import { serveReview } from '../apiserver/wiring/token-review.js';
import { systemClock, type Clock } from '../host/clock.js';
import type { Store } from '../store/types.js';

/** What src/api and src/apiserver/patch provide; admission and Service allocation are built here. */
export type ModuleHooks = Omit<ServerHooks, 'admission'>;

export interface ApiServerDepsOptions {
  store: Store;
  /** PEM bundle client certificates must chain to (auth.clientCA overrides it). */
  clientCA: string;
  /** Static tokens, ServiceAccount key, audiences, anonymous requests (default on). */
  auth?: AuthOptions;
  /** ClusterIP range and NodePort range (default 10.96.0.0/12 and 30000-32767). */
  services?: ServiceAllocatorOptions;
  hooks: ModuleHooks;
  clock?: Clock;
  log: (msg: string) => void;
  /** Seconds an Event lives after its last write (--event-ttl); 0 or none: Events stay. */
  eventTtlSeconds?: number;
  /** Bytes all watch caches together hold at most (--watch-cache-size-bytes; default 32 MiB). */
  watchCacheBytes?: number;
  /** The store's location for /metrics' `endpoint` label (the SQLite file, the etcd endpoints). */
  storeEndpoint?: string;
  /** How pods/log, exec, attach and portforward reach kubelets; without it they answer 503. */
  kubeletClient?: KubeletClientTls;
}

export type ApiServerDeps = Pick<ApiServerOptions, 'store' | 'registry' | 'authenticator' | 'authorize' | 'endpoints' | 'nonResourceEndpoints' | 'parts'>;

/**
 * Builds the apiserver's collaborators and starts the mirrors authentication and
 * authorization read (stopped by the server's close, or its failed start). Throws when the
 * client CA, token file or key is unreadable or malformed.
 */
export function apiServerDeps(opts: ApiServerDepsOptions): ApiServerDeps {
  const clock = opts.clock ?? systemClock;
  const { log } = opts;
  // Everything below reads and writes through the measured store, so /metrics times it all.
  const metrics = apiMetrics({ store: opts.store, clock, ...(opts.storeEndpoint !== undefined ? { endpoint: opts.storeEndpoint } : {}) });
  const { store } = metrics;
  const authOpts = { clientCA: opts.clientCA, ...opts.auth };
  const auth = authWiring(authOpts, store, log, clock);
  const allocator = new ServiceAllocator(store, opts.services);
  // The admission plugins read through the registry they guard: built first, read at the first write.
  const admission = admissionWiring({ rbac: auth.rbac, authorize: auth.authorize, registry: () => registry });
  const registry: Registry = new Registry({
    store, clock, hooks: { ...opts.hooks, admission },
    ...(opts.watchCacheBytes !== undefined ? { watchCacheBytes: opts.watchCacheBytes } : {}),
    strategies: new Strategies({ serviceAllocator: allocator, log, eventTtlSeconds: opts.eventTtlSeconds ?? 0 }),
  });
  metrics.watchCaches(registry.watchCacheBudget);
  const endpointDeps = {
    registry, clock, authorize: auth.authorize, rbac: auth.rbac,
    serviceAccountKey: authOpts.serviceAccountKey,
    audiences: authOpts.apiAudiences ?? (authOpts.serviceAccountKey ? [authOpts.serviceAccountKey.issuer] : []),
  };
  const reviewDeps = { authorize: auth.authorize, tokens: auth.tokens };
  const services: ServerPart = {
    // Before any Service is written: values leaked by a crash are freed, ones in use marked.
    async beforeListen() {
      for (const problem of await repairServiceAllocations(store, allocator)) log(`service allocation repair: ${problem}`);
    },
    afterListen: ({ host, port }) => ensureKubernetesService(registry, { clusterIP: allocator.kubernetesServiceIP, host, port }),
  };
  return {
    store,
    registry,
    authenticator: auth.authenticator,
    authorize: auth.authorize,
    endpoints: [
      ...(opts.kubeletClient ? [podSubresourceEndpoint({ registry, authorize: auth.authorize, tls: opts.kubeletClient })] : []),
      (r) => serveAuthEndpoint(endpointDeps, r.user, r.info, r.req, r.res),
      (r) => serveReview(reviewDeps, r.info, r.req, r.res),
    ],
    nonResourceEndpoints: [(r) => metrics.serve(r)],
    parts: [authPart(auth, registry, log), services],
  };
}

/** The default RBAC policy, the ClusterRole aggregation controller, and the mirrors authorization reads, warm before serving. */
function authPart(auth: AuthWiring, registry: Registry, log: (msg: string) => void): ServerPart {
  let aggregation: RunningAggregation | undefined;
  return {
    async beforeListen() {
      await ensureBootstrapRbac(registry);
      // admin, edit and view get their rules from it (as upstream's controller manager runs it).
      aggregation = startClusterRoleAggregation(auth.rbac, registry, log);
      await aggregation.ready;
      await auth.rbac.ready;
      await auth.live?.ready;
      await auth.nodeGraph.ready;
    },
    // Each mirror is stopped even when another fails to.
    async stop() {
      const failed = (await Promise.allSettled([auth.rbac.stop(), auth.live?.stop(), auth.nodeGraph.stop(), aggregation?.stop()]))
        .find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
