import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { hardenIntrinsics } from '../own-keys.js';
import { parseGoDuration } from '../go-duration.js';
import { loadConfDir } from '../cni/invoker/conflist.js';
import { findPlugin } from '../cni/exec.js';
import { BUILTIN_PLUGIN_TYPES } from '../cni/builtins.js';
import type { NetworkStatus } from '../cri/deps.js';
import { DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_PULL_PROGRESS_TIMEOUT_MS } from '../cri/images/limits.js';
import { serveUntilSignal, type Serving } from './serve.js';

// `skiff cri`: the CRI runtime alone on a unix socket, for crictl and any kubelet.
// Composition root: parses flags, builds the runtime's deps, serves until a signal.

export interface CriOptions {
  socket: string;
  root: string;
  cniConfDir: string;
  cniBinDir: string[];
  cgroupParent: string;
  streamingAddress: string;
  /** Per image pull, as containerd's max_concurrent_downloads. */
  maxConcurrentDownloads: number;
  /** As containerd's image_pull_progress_timeout; 0 disables. */
  imagePullProgressTimeoutMs: number;
  /** A registries.yaml (k3s's format: mirrors, rewrites, per-host auth and TLS) every pull
   *  goes through; read once at start. Absent: each image from its own registry. */
  registries?: string;
  /** k3s's --disable-default-registry-endpoint: a mirrored registry is never asked itself. */
  disableDefaultRegistryEndpoint?: boolean;
}

export function registerCri(program: Command): void {
  program
    .command('cri')
    .description('serve the Kubernetes CRI v1 runtime and image services on a unix socket')
    .option('--socket <path>', 'unix socket to serve on', '/run/skiff/cri.sock')
    .option('--root <dir>', 'state directory (images, sandboxes, containers)', '/var/lib/skiff/cri')
    .option('--cni-conf-dir <dir>', 'CNI network configurations', '/etc/cni/net.d')
    .option('--cni-bin-dir <dirs>', 'CNI plugin directories, colon-separated', '/opt/cni/bin')
    .option('--cgroup-parent <path>', 'cgroup (relative to skiff\'s own) under which pods are placed', 'kubepods')
    .option('--streaming-address <host:port>', 'address of the exec/attach/port-forward server', '127.0.0.1:0')
    .option('--max-concurrent-downloads <n>', 'blobs one image pull downloads at once (containerd\'s max_concurrent_downloads)', positiveInteger, DEFAULT_MAX_CONCURRENT_DOWNLOADS)
    .addOption(new Option('--image-pull-progress-timeout <duration>', 'cancel a pull when its registry sends nothing for this long, e.g. 5m, 30s; 0 never (containerd\'s image_pull_progress_timeout)')
      .argParser(durationMs).default(DEFAULT_PULL_PROGRESS_TIMEOUT_MS, `${DEFAULT_PULL_PROGRESS_TIMEOUT_MS / 60_000}m`))
    .option('--registries <file>', 'registry mirrors, rewrites, credentials and TLS, in k3s\'s registries.yaml format (read at start)')
    .option('--disable-default-registry-endpoint', 'pull a registry that has mirrors from its mirror endpoints only, never from the registry itself (as k3s\'s flag)')
    .action(async ({ imagePullProgressTimeout, ...raw }: Omit<CriOptions, 'cniBinDir' | 'imagePullProgressTimeoutMs'> & { cniBinDir: string; imagePullProgressTimeout: number }) => {
      await runCri({
        ...raw, imagePullProgressTimeoutMs: imagePullProgressTimeout, cniBinDir: raw.cniBinDir.split(':').filter(Boolean),
        ...(raw.registries !== undefined ? { registries: resolve(raw.registries) } : {}),
      });
    });
}

/** Serves until SIGTERM or SIGINT; sets the exit status (1 when a close failed). Rejects when
 *  the runtime cannot start (state unreadable, socket or streaming address taken). */
export async function runCri(opts: CriOptions): Promise<void> {
  try {
    process.exitCode = await serveUntilSignal('skiff cri', () => startCriRuntime(opts));
  } catch (err) {
    // A mistake in the user's file, not a fault of skiff's: its message, no stack. By name:
    // the parser (and yaml) load only when a runtime starts, not for every skiff command.
    if (!(err instanceof Error && err.name === 'RegistriesConfigError')) throw err;
    process.stderr.write(`skiff cri: ${err.message}\n`);
    process.exitCode = 1;
  }
}

/** The runtime serving on opts.socket; the caller owns the closers (serveUntilSignal, or `skiff up`). */
export async function startCriRuntime(opts: CriOptions): Promise<Serving & { readonly socketPath: string }> {
  const [{ serveCri }, { buildCriDeps }, { recover }, { startStreamingServer }, { streamingBackend }, { becomeChildSubreaper }] = await Promise.all([
    import('../cri/server.js'), import('./cri-deps.js'), import('../cri/lifecycle/recover.js'), import('../cri/streaming/server.js'),
    import('../cri/lifecycle/streaming-backend.js'), import('../host/subreaper.js'),
  ]);
  // Defense in depth against prototype pollution, once every module has loaded (see own-keys.ts).
  hardenIntrinsics();
  // conmon daemonizes: its orphans must come back to us, not to a PID 1 that may not reap.
  becomeChildSubreaper();
  const deps = await buildCriDeps(opts, () => networkStatus(opts), (d) => startStreamingServer({ address: opts.streamingAddress, backend: streamingBackend(d) }));
  await recover(deps);
  const server = await serveCri(deps, opts.socket);
  return {
    on: `${server.socketPath}, streaming on ${deps.streaming.address}`,
    socketPath: server.socketPath,
    closers: [{ name: 'the CRI socket', close: () => server.close() }, { name: 'the streaming server', close: () => deps.streaming.close() }],
  };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** A Go duration as containerd's config takes it ('5m', '1m30s', '500ms', '0'), in ms; not negative. */
export function durationMs(value: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch {
    ns = -1;
  }
  if (ns < 0) throw new InvalidArgumentError(`"${value}" is not a duration such as 5m, 1m30s or 500ms.`);
  return Math.round(ns / 1e6);
}

/** As containerd reports it: ready once a valid network config and its plugins exist. */
async function networkStatus(opts: CriOptions): Promise<NetworkStatus> {
  const { lists, errors } = await loadConfDir(opts.cniConfDir);
  const first = lists[0]?.list;
  if (!first) {
    const why = errors.length ? `: ${errors.map((e) => `${e.file}: ${e.error.message}`).join('; ')}` : '';
    return { ready: false, reason: 'NetworkPluginNotReady', message: `cni config uninitialized in ${opts.cniConfDir}${why}` };
  }
  for (const plugin of first.plugins) {
    // skiff's own types run in this process (cri-deps.ts's builtinRunner): no executable to find.
    if (BUILTIN_PLUGIN_TYPES.has(plugin.type)) continue;
    try {
      await findPlugin(plugin.type, opts.cniBinDir);
    } catch (err) {
      return { ready: false, reason: 'NetworkPluginNotReady', message: `network "${first.name}": ${(err as Error).message}` };
    }
  }
  return { ready: true };
}
