// The node half `skiff up` and `skiff agent` share: the embedded CRI runtime (unless another
// runtime's socket is given), then the kubelet against it, then — once the node IPAM has given
// the Node its podCIDR — the node's CNI conflist. Each step's closer is pushed as it starts, so
// a failed start takes back what had started; the running node closes kubelet first, runtime
// last (containers keep running, as when upstream's kubelet and containerd stop).
import { join } from 'node:path';
import type { Node } from '../api/types.js';
import type { Files } from '../host/files/types.js';
import type { Rollback } from '../rollback.js';
import { writeNodeConflist } from './cni-conflist.js';
import { startCriRuntime } from './cri.js';
import type { Closer } from './serve.js';
import { DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_PULL_PROGRESS_TIMEOUT_MS } from '../cri/images/limits.js';

export interface NodeOptions {
  readonly nodeName: string;
  /** <data-dir>/agent: the runtime's state, the kubelet's root dir, the CNI conf dir by default. */
  readonly agentDir: string;
  /** The node's credentials (system:node:<name>). */
  readonly kubeconfig: string;
  /** Another runtime's CRI socket; the embedded one when undefined. */
  readonly containerRuntimeEndpoint?: string;
  /** registries.yaml for the embedded runtime (absolute path). */
  readonly registries?: string;
  /** Where the runtime reads CNI configs; undefined: <agentDir>/etc/cni/net.d, written here from the podCIDR. */
  readonly cniConfDir?: string;
  readonly cniBinDir: readonly string[];
  readonly cgroupRoot: string;
  readonly clusterDns: readonly string[];
  /** The resolved InternalIP. */
  readonly nodeIp: string;
  /** The kubelet server's address and certificate. */
  readonly kubeletListen: string;
  readonly serving: { readonly cert: string; readonly key: string };
  readonly clientCa?: string;
  readonly files: Files;
  readonly progress: (line: string) => void;
  readonly log: (line: string) => void;
}

export interface RunningNode {
  /** Closers in shutdown order: the kubelet, then the runtime. */
  readonly closers: readonly Closer[];
  readonly criEndpoint: string;
}

/** Starts the runtime and the kubelet, pushing each closer on rb. Rejects when one of them cannot start. */
export async function startNode(opts: NodeOptions, rb: Rollback): Promise<RunningNode> {
  const { startKubelet } = await import('../kubelet/kubelet.js');
  const closers: Closer[] = [];
  const confDir = opts.cniConfDir ?? join(opts.agentDir, 'etc', 'cni', 'net.d');
  let criEndpoint = opts.containerRuntimeEndpoint;
  if (criEndpoint === undefined) {
    await opts.files.mkdir(confDir, { recursive: true, mode: 0o755 });
    const runtime = await startCriRuntime({
      socket: join(opts.agentDir, 'cri.sock'), root: join(opts.agentDir, 'cri'), cniConfDir: confDir, cniBinDir: [...opts.cniBinDir],
      cgroupParent: opts.cgroupRoot, streamingAddress: '127.0.0.1:0',
      maxConcurrentDownloads: DEFAULT_MAX_CONCURRENT_DOWNLOADS, imagePullProgressTimeoutMs: DEFAULT_PULL_PROGRESS_TIMEOUT_MS,
      ...(opts.registries !== undefined ? { registries: opts.registries } : {}),
    });
    const pins = releasePins(join(opts.agentDir, 'cri', 'sandboxes', '.pins'));
    for (const c of [...runtime.closers, pins].reverse()) rb.push(c.name, () => c.close());
    closers.push(...runtime.closers, pins);
    criEndpoint = `unix://${runtime.socketPath}`;
    opts.progress(`container runtime: ${runtime.on}`);
  }
  const rootDir = join(opts.agentDir, 'kubelet');
  const kubelet = await startKubelet({
    nodeName: opts.nodeName, kubeconfig: opts.kubeconfig, criEndpoint, rootDir, nodeIp: opts.nodeIp,
    clusterDns: opts.clusterDns, cgroupRoot: opts.cgroupRoot, log: opts.log, files: opts.files,
    server: { listen: opts.kubeletListen, tls: opts.serving, ...(opts.clientCa !== undefined ? { clientCa: opts.clientCa } : {}) },
  });
  rb.push('the kubelet', () => kubelet.stop());
  closers.unshift({ name: 'the kubelet', close: () => kubelet.stop() });
  opts.progress(`kubelet: node ${opts.nodeName} (InternalIP ${kubelet.nodeIp}), kubelet server on port ${kubelet.serverPort}; waiting for the Node's podCIDR`);
  // Not awaited: registration waits on the apiserver and the node IPAM, and a start that waited
  // could not be stopped; the kubelet's stop ends the wait (registered rejects).
  void kubelet.registered.then(
    async (node) => onRegistered(node, opts, confDir),
    (err: unknown) => opts.log(`node ${opts.nodeName} not registered: ${err instanceof Error ? err.message : String(err)}`),
  );
  return { closers, criEndpoint };
}

/**
 * The runtime makes its namespace pin directory a shared mount point (as `ip netns add` does with
 * /run/netns) and keeps it: with no pod left, a stopped node takes it back, so deleting every pod
 * and stopping leaves no mount. Pods still running keep their pins in it: then unmount is EBUSY and
 * it stays, as it must.
 */
function releasePins(dir: string): Closer {
  return {
    name: 'the runtime\'s namespace pin directory',
    async close() {
      const { RealMounter } = await import('../host/mount/real.js');
      await new RealMounter().unmount(dir).catch((err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (code !== 'EBUSY' && code !== 'EINVAL' && code !== 'ENOENT') throw err;
      });
    },
  };
}

async function onRegistered(node: Node, opts: NodeOptions, confDir: string): Promise<void> {
  const podCidr = node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0];
  if (opts.cniConfDir !== undefined || !podCidr) {
    opts.progress(`node ${opts.nodeName} registered${podCidr ? `, podCIDR ${podCidr}` : ''}`);
    return;
  }
  try {
    const path = await writeNodeConflist(opts.files, confDir, { podCidr, ipamDataDir: join(opts.agentDir, 'cni', 'networks') });
    opts.progress(`node ${opts.nodeName} registered, podCIDR ${podCidr}, pod network ${path}`);
  } catch (err) {
    opts.log(`writing the pod network config into ${confDir} failed: ${(err as Error).message}`);
  }
}
