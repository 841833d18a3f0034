import type { Command } from 'commander';
import { hardenIntrinsics } from '../own-keys.js';
import { loadConfDir } from '../cni/invoker/conflist.js';
import { findPlugin } from '../cni/exec.js';
import type { NetworkStatus } from '../cri/deps.js';

// `skiff cri`: the CRI runtime alone on a unix socket, for crictl and any kubelet.
// Composition root: parses flags, builds the runtime's deps, serves until a signal.

export interface CriOptions {
  socket: string;
  root: string;
  cniConfDir: string;
  cniBinDir: string[];
  cgroupParent: string;
  streamingAddress: string;
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
    .action(async (raw: Omit<CriOptions, 'cniBinDir'> & { cniBinDir: string }) => {
      await runCri({ ...raw, cniBinDir: raw.cniBinDir.split(':').filter(Boolean) });
    });
}

export async function runCri(opts: CriOptions): Promise<void> {
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
  process.stderr.write(`skiff cri: serving on ${server.socketPath}, streaming on ${deps.streaming.address}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  await deps.streaming.close();
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
    try {
      await findPlugin(plugin.type, opts.cniBinDir);
    } catch (err) {
      return { ready: false, reason: 'NetworkPluginNotReady', message: `network "${first.name}": ${(err as Error).message}` };
    }
  }
  return { ready: true };
}
