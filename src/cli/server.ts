import { InvalidArgumentError, Option, type Command } from 'commander';
import { hardenIntrinsics } from '../own-keys.js';
import { Rollback } from '../rollback.js';
import { serveUntilSignal, type Serving } from './serve.js';
import type { Pki } from '../apiserver/pki.js';
import { DEFAULT_WATCH_CACHE_BYTES } from '../apiserver/storage/watch-cache-budget.js';
import { DEFAULT_COMPACTION_BYTES, DEFAULT_COMPACTION_INTERVAL, DEFAULT_EVENT_TTL, parseBytes, parseDurationMs, parseEventTtl, storeUpkeep } from './store-options.js';
import { DEFAULT_IN_FLIGHT } from '../apiserver/http/max-in-flight.js';
import { parseNetwork } from '../controllers/node-ipam/cidr-set.js';

// The flags' defaults, parsed once: commander's defaults and runServer's fallbacks are the same values.
const COMPACTION_INTERVAL_MS = parseDurationMs('', DEFAULT_COMPACTION_INTERVAL);
const COMPACTION_BYTES = parseBytes(DEFAULT_COMPACTION_BYTES);
const EVENT_TTL_SECONDS = parseEventTtl(DEFAULT_EVENT_TTL);

// `skiff server`: the control plane's apiserver over the embedded SQLite store (or etcd with
// --etcd-endpoints). PKI, ServiceAccount signing key and admin.kubeconfig on first start, the
// store, the modules the apiserver core calls (patch, OpenAPI, ...), then the composition root
// (apiserver-deps.ts: auth, RBAC, admission, Service allocation), then serve until a signal.

export interface ServerOptions {
  dataDir: string;
  /** host:port; port 0 picks one (printed, and written into admin.kubeconfig). */
  listen: string;
  etcdEndpoints?: string;
  /** Static bearer tokens, CSV `token,user,uid,"group1,group2"` (upstream --token-auth-file). */
  tokenAuthFile?: string;
  /** Requests without credentials are system:anonymous, allowed what RBAC grants it (default true). */
  anonymousAuth?: boolean;
  /** CIDR of Service ClusterIPs (default 10.96.0.0/12). */
  serviceClusterIpRange?: string;
  /** NodePort range, `low-high` (default 30000-32767). */
  serviceNodePortRange?: string;
  /** Read-only requests in flight past which others are a 429 (upstream's flag, default 400; 0: no limit). */
  maxRequestsInflight?: number;
  /** Mutating requests in flight past which others are a 429 (default 200; 0: no limit). */
  maxMutatingRequestsInflight?: number;
  /** Milliseconds between compactions (upstream --etcd-compaction-interval, default 5m; 0: none). */
  etcdCompactionInterval?: number;
  /** In-use store bytes past which a compaction runs early (default 256Mi; 0: no size trigger). */
  storageCompactionBytes?: number;
  /** Seconds an Event lives after its last write (upstream --event-ttl, default 1h; 0: forever). */
  eventTtl?: number;
  /** Bytes all watch caches together hold at most (default 32Mi). */
  watchCacheSizeBytes?: number;
  /** CIDR the Nodes' podCIDRs come from (upstream kube-controller-manager --cluster-cidr, default 10.244.0.0/16). */
  clusterCidr?: string;
  /** Prefix length of each Node's podCIDR (default 24). */
  nodeCidrMaskSize?: number;
}

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('serve the Kubernetes API (control plane) over HTTPS')
    .option('--data-dir <dir>', 'state: database, PKI, admin.kubeconfig', '/var/lib/skiff/server')
    .option('--listen <host:port>', 'address to serve HTTPS on', '127.0.0.1:6443')
    .option('--etcd-endpoints <urls>', 'use etcd at these comma-separated URLs instead of the embedded SQLite store')
    .option('--token-auth-file <file>', 'static bearer tokens: CSV lines token,user,uid,"group1,group2"')
    .option('--anonymous-auth [bool]', 'serve requests without credentials as system:anonymous (what RBAC grants it)', parseBool, true)
    .option('--service-cluster-ip-range <cidr>', 'CIDR Service ClusterIPs come from', '10.96.0.0/12')
    .option('--service-node-port-range <low-high>', 'range NodePorts come from', '30000-32767')
    .option('--max-requests-inflight <n>', 'read-only requests in flight before others get 429 (0: no limit)', flag(parseCount), DEFAULT_IN_FLIGHT.readOnly)
    .option('--max-mutating-requests-inflight <n>', 'mutating requests in flight before others get 429 (0: no limit)', flag(parseCount), DEFAULT_IN_FLIGHT.mutating)
    // Defaults shown as written (5m, 256Mi), not as the parsed milliseconds or bytes.
    .addOption(new Option('--etcd-compaction-interval <duration>', 'how often the store forgets history older than the previous round (Go duration; 0: never)')
      .argParser(flag((v) => parseDurationMs('--etcd-compaction-interval', v))).default(COMPACTION_INTERVAL_MS, DEFAULT_COMPACTION_INTERVAL))
    .addOption(new Option('--storage-compaction-bytes <bytes>', 'compact early when the store holds more than this in data and history (0: only by interval)')
      .argParser(flag(parseBytes)).default(COMPACTION_BYTES, DEFAULT_COMPACTION_BYTES))
    .addOption(new Option('--event-ttl <duration>', 'how long Events are kept after their last write (Go duration; 0: forever)')
      .argParser(flag(parseEventTtl)).default(EVENT_TTL_SECONDS, DEFAULT_EVENT_TTL))
    .addOption(new Option('--watch-cache-size-bytes <bytes>', 'bytes the watch caches of all resources hold together; the oldest events go first')
      .argParser(flag(parseBytes)).default(DEFAULT_WATCH_CACHE_BYTES, '32Mi'))
    .option('--cluster-cidr <cidr>', 'CIDR the Nodes\' pod CIDRs are cut from (node IPAM)', flag(parseClusterCidr), DEFAULT_CLUSTER_CIDR)
    .option('--node-cidr-mask-size <n>', 'prefix length of each Node\'s pod CIDR', flag(parseCount), DEFAULT_NODE_CIDR_MASK_SIZE)
    .action(async (opts: ServerOptions) => {
      await runServer(opts);
      // The etcd client can keep sockets and timers alive after close: a stopped server exits.
      process.exit(0);
    });
}

/** `parse` as a flag's parser: a bad value is commander's usage error (exit 1, one line), not a stack trace. */
export const flag = <T>(parse: (value: string) => T) => (value: string): T => {
  try {
    return parse(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/** true/false as upstream's boolean flags take them (a bare flag is true). Throws Error on anything else. */
export function parseBool(value: string | undefined): boolean {
  if (value === undefined || /^(true|1|t)$/i.test(value)) return true;
  if (/^(false|0|f)$/i.test(value)) return false;
  throw new Error(`invalid boolean value ${JSON.stringify(value)}`);
}

/** A non-negative integer. Throws Error on anything else. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new Error(`invalid count ${JSON.stringify(value)}`);
  return Number(value);
}

/** A CIDR, as given (the node IPAM masks host bits off). Throws Error when it is not one. */
export function parseClusterCidr(value: string): string {
  parseNetwork(value);
  return value;
}

/** `low-high`. Throws Error on a malformed range. */
export function parsePortRange(range: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(range.trim());
  if (!m) throw new Error(`--service-node-port-range ${range}: expected low-high`);
  return [Number(m[1]), Number(m[2])];
}

/** host:port (IPv6 in brackets). Throws Error on a malformed address. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen ${listen}: expected host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen ${listen}: port out of range`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Serves until SIGTERM/SIGINT; sets the exit status (1 when a close failed). Rejects when the store, PKI or address fail at start. */
export async function runServer(opts: ServerOptions): Promise<void> {
  process.exitCode = await serveUntilSignal('skiff server', () => startControlPlane(opts));
}

/** What `skiff up` needs of a started control plane besides its closers. */
export interface ControlPlane extends Serving {
  /** https://host:port the apiserver serves on. */
  readonly url: string;
  readonly pki: Pki;
  /** The admin kubeconfig, written on every start. */
  readonly kubeconfigPath: string;
}

/**
 * Starts the apiserver over its store and the controllers beside it; the caller owns the closers
 * (serveUntilSignal, or `skiff up`). Rejects when a flag, the data dir, the store or the address
 * fail, after closing whatever had started.
 */
export async function startControlPlane(opts: ServerOptions): Promise<ControlPlane> {
  const [{ realFiles }, { join, resolve }, { ensurePki }, { kubeconfigYaml, writeKubeconfig }, { startApiServer }, { apiServerDeps }, { openStore }, patch, openapi, defaults, validation, table, { ensureServiceAccountKey }, { systemClock: clock }, { startControllers }, { CidrSet }] = await Promise.all([
    import('../host/files/real.js'), import('node:path'), import('../apiserver/pki.js'), import('../apiserver/kubeconfig.js'),
    import('../apiserver/server.js'), import('./apiserver-deps.js'), import('../store/index.js'), import('../apiserver/patch/index.js'), import('../api/openapi.js'),
    import('../api/defaults.js'), import('../api/validation.js'), import('../api/table.js'), import('../apiserver/wiring/serviceaccount-key.js'),
    import('../host/clock.js'), import('./controllers.js'), import('../controllers/node-ipam/cidr-set.js'),
  ]);
  // Defense in depth against prototype pollution, once every module has loaded (see own-keys.ts).
  hardenIntrinsics();
  const { host, port } = parseListen(opts.listen);
  const clusterCidr = opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  const nodeCidrMaskSize = opts.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE;
  // Flags that do not fit together are refused before anything is started.
  new CidrSet(clusterCidr, nodeCidrMaskSize);
  const nodePortRange = parsePortRange(opts.serviceNodePortRange ?? '30000-32767');
  const log = (m: string) => process.stderr.write(`skiff apiserver: ${m}\n`);
  return Rollback.run((what, err) => log(`undoing ${what}: ${err.message}`), async (rb) => {
    await realFiles.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const pki = await ensurePki(opts.dataDir, [host], { clock });
    const serviceAccountKey = await ensureServiceAccountKey(opts.dataDir);
    const endpoints = opts.etcdEndpoints?.split(',').map((s) => s.trim()).filter(Boolean);
    const upkeep = storeUpkeep({
      compactionIntervalMs: opts.etcdCompactionInterval ?? COMPACTION_INTERVAL_MS,
      compactionBytes: opts.storageCompactionBytes ?? COMPACTION_BYTES,
    }, log);
    const sqlitePath = join(opts.dataDir, 'state.db');
    const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
    const store = await openStore({ ...(endpoints?.length ? { etcd: { endpoints } } : { sqlite: sqlitePath }), ...upkeep });
    rb.push('the store', () => store.close());
    const server = await startApiServer({
      host, port, log,
      tls: { cert: pki.serving.cert, key: pki.serving.key, ca: pki.ca.cert },
      rootCaBundle: pki.ca.cert,
      maxInFlight: { readOnly: opts.maxRequestsInflight ?? DEFAULT_IN_FLIGHT.readOnly, mutating: opts.maxMutatingRequestsInflight ?? DEFAULT_IN_FLIGHT.mutating },
      ...apiServerDeps({
        store, log, clock, clientCA: pki.ca.cert, kubeletClient: { cert: pki.kubeletClient.cert, key: pki.kubeletClient.key, ca: pki.ca.cert }, storeEndpoint: endpoints?.length ? endpoints.join(',') : sqlitePath,
        eventTtlSeconds: opts.eventTtl ?? EVENT_TTL_SECONDS,
        watchCacheBytes: opts.watchCacheSizeBytes ?? DEFAULT_WATCH_CACHE_BYTES,
        auth: {
          serviceAccountKey, anonymous: opts.anonymousAuth ?? true,
          ...(opts.tokenAuthFile ? { tokenFile: resolve(opts.tokenAuthFile) } : {}),
        },
        services: { serviceCidr: opts.serviceClusterIpRange ?? '10.96.0.0/12', nodePortRange },
        hooks: {
          applyPatch: patch.applyPatch,
          serverSideApply: patch.serverSideApply,
          updateManagedFields: patch.updateManagedFields,
          openapiV2: openapi.openapiV2,
          openapiV3Index: openapi.openapiV3Index,
          openapiV3: openapi.openapiV3,
          defaultObject: defaults.defaultObject,
          validateObject: validation.validateObject,
          toTable: (gvk, objects, include) => table.toTable(gvk, objects, include, clock.now()),
        },
      }),
    });
    rb.push('the apiserver', () => server.close());
    const controllers = await startControllers({
      url: server.url, ca: pki.ca.cert, admin: pki.admin, clusterCidr, nodeCidrMaskSize, clock, files: realFiles,
      log: (line) => process.stderr.write(`skiff controllers: ${line}\n`),
    });
    for (const c of [...controllers].reverse()) rb.push(c.name, () => c.close());
    // Written on every start: the port may be new (port 0), the credentials are the same.
    await writeKubeconfig(kubeconfigPath, kubeconfigYaml(server.url, pki.ca.cert, pki.admin));
    return {
      on: `${server.url}, kubeconfig ${kubeconfigPath}`,
      url: server.url, pki, kubeconfigPath,
      // Controllers stop watching before the apiserver goes; requests stop before the store they read goes.
      closers: [...controllers, { name: 'apiserver', close: () => server.close() }, { name: 'store', close: () => store.close() }],
    };
  });
}
