import type { Command } from 'commander';
import { hardenIntrinsics } from '../own-keys.js';
import { serveUntilSignal } from './serve.js';

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
}

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
    .option('--max-requests-inflight <n>', 'read-only requests in flight before others get 429 (0: no limit)', parseCount, 400)
    .option('--max-mutating-requests-inflight <n>', 'mutating requests in flight before others get 429 (0: no limit)', parseCount, 200)
    .action(async (opts: ServerOptions) => {
      await runServer(opts);
      // The etcd client can keep sockets and timers alive after close: a stopped server exits.
      process.exit(0);
    });
}

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
  process.exitCode = await serveUntilSignal('skiff server', async () => {
    const [{ realFiles }, { join, resolve }, { ensurePki }, { kubeconfigYaml, writeKubeconfig }, { startApiServer }, { apiServerDeps }, { openStore }, patch, openapi, defaults, validation, table, { ensureServiceAccountKey }, { systemClock: clock }] = await Promise.all([
      import('../host/files/real.js'), import('node:path'), import('../apiserver/pki.js'), import('../apiserver/kubeconfig.js'),
      import('../apiserver/server.js'), import('./apiserver-deps.js'), import('../store/index.js'), import('../apiserver/patch/index.js'), import('../api/openapi.js'),
      import('../api/defaults.js'), import('../api/validation.js'), import('../api/table.js'), import('../apiserver/wiring/serviceaccount-key.js'),
      import('../host/clock.js'),
    ]);
    // Defense in depth against prototype pollution, once every module has loaded (see own-keys.ts).
    hardenIntrinsics();
    const { host, port } = parseListen(opts.listen);
    await realFiles.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const pki = await ensurePki(opts.dataDir, [host], { clock });
    const serviceAccountKey = await ensureServiceAccountKey(opts.dataDir);
    const nodePortRange = parsePortRange(opts.serviceNodePortRange ?? '30000-32767');
    const endpoints = opts.etcdEndpoints?.split(',').map((s) => s.trim()).filter(Boolean);
    const store = await openStore(endpoints?.length ? { etcd: { endpoints } } : { sqlite: join(opts.dataDir, 'state.db') });
    const log = (m: string) => process.stderr.write(`skiff apiserver: ${m}\n`);
    const server = await startApiServer({
      host, port, log,
      tls: { cert: pki.serving.cert, key: pki.serving.key, ca: pki.ca.cert },
      maxInFlight: { readOnly: opts.maxRequestsInflight ?? 400, mutating: opts.maxMutatingRequestsInflight ?? 200 },
      ...apiServerDeps({
        store, log, clock, clientCA: pki.ca.cert,
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
    // Written on every start: the port may be new (port 0), the credentials are the same.
    await writeKubeconfig(join(opts.dataDir, 'admin.kubeconfig'), kubeconfigYaml(server.url, pki.ca.cert, pki.admin));
    return {
      on: `${server.url}, kubeconfig ${join(opts.dataDir, 'admin.kubeconfig')}`,
      // Requests stop before the store they read goes.
      closers: [{ name: 'apiserver', close: () => server.close() }, { name: 'store', close: () => store.close() }],
    };
  });
}
