// The kubelet's composition root: one Client (the node's identity from its kubeconfig), one
// InformerFactory and one CRI client shared by the node agent, the pod manager and the kubelet
// server (types.ts). Started in dependency order, stopped in reverse; a failed start takes back
// what it had started. src/cli/agent.ts (`skiff agent`) and src/cli/up.ts (`skiff up`) call it.
import type { Node } from '../api/types.js';
import { Client } from '../client/client.js';
import { InformerFactory } from '../client/informer-factory.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { realTimers, type Timers } from '../client/timers.js';
import { criClient } from '../cri/client.js';
import { systemClock, type Clock } from '../host/clock.js';
import { realFiles } from '../host/files/real.js';
import type { Files } from '../host/files/types.js';
import { RealNetlink } from '../host/netlink/real.js';
import { RealNodeInfo } from '../host/nodeinfo/real.js';
import type { NodeInfo } from '../host/nodeinfo/types.js';
import { RealMounter } from '../host/mount/real.js';
import type { Mounter } from '../host/mount/types.js';
import { Rollback } from '../rollback.js';
import { resolveNodeIp, startNodeAgent } from './node/index.js';
import { startPodManager } from './pods/index.js';
import { startKubeletServer } from './server/index.js';
import { startVolumeManager } from './volumes/index.js';
import type { KubeletCommon } from './types.js';

export interface KubeletOptions {
  nodeName: string;
  /** The node's credentials (system:node:<nodeName>) and the apiserver's address and CA. */
  kubeconfig: string;
  /** The CRI socket: a path or unix:// URL (skiff's runtime, containerd, CRI-O). */
  criEndpoint: string;
  /** Upstream --root-dir: pod files and logs below it; its filesystem is the node's ephemeral storage. */
  rootDir: string;
  /** Upstream --node-ip; default: the default route's interface's first IPv4 address. */
  nodeIp?: string;
  /** Upstream --cluster-dns. */
  clusterDns: readonly string[];
  /** Upstream --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** cgroup parent of pods, relative to skiff's own cgroup (--cgroup-root). */
  cgroupRoot: string;
  /** The kubelet server (upstream :10250): host:port, its serving cert and key, and the CA of client certs (default: the kubeconfig's CA). */
  server: { listen: string; tls: { cert: string; key: string }; clientCa?: string };
  log?: (line: string) => void;
  /** Seams, for tests and for embedding in one process. */
  files?: Files;
  clock?: Clock;
  timers?: Timers;
  nodeInfo?: NodeInfo;
  mounter?: Mounter;
}

export interface Kubelet {
  /** Resolves once the Node is registered with status and has a podCIDR; rejects if the kubelet stops first. */
  readonly registered: Promise<Node>;
  /** The InternalIP the node reports and pods see as hostIP. */
  readonly nodeIp: string;
  /** The kubelet server's port (the chosen one when listen asked for 0). */
  readonly serverPort: number;
  /** Stops the parts in reverse order of their start. Never rejects: failures go to log. */
  stop(): Promise<void>;
}

/** Rejects (with everything it started stopped again) when the kubeconfig is unusable, the node IP cannot be found, the root dir cannot be made or the server cannot listen. */
export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const files = opts.files ?? realFiles;
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? realTimers;
  const nodeInfo = opts.nodeInfo ?? new RealNodeInfo(new RealNetlink());
  const rb = new Rollback();
  const undoLog = (what: string, err: Error) => log(`kubelet: stopping ${what}: ${err.message}`);
  try {
    const config = await loadKubeconfig(files, opts.kubeconfig);
    const nodeIp = await resolveNodeIp(nodeInfo, opts.nodeIp);
    // Upstream makes its root dir at start too; the node's ephemeral storage is measured there.
    await files.mkdir(opts.rootDir, { recursive: true, mode: 0o750 });
    const client = new Client({ config, clock, files });
    rb.push('the API client', () => client.close());
    const informers = new InformerFactory({ client, clock, timers, onError: (err) => log(`kubelet: informer: ${(err as Error).message}`) });
    rb.push('the informers', () => informers.stop());
    const cri = criClient(opts.criEndpoint, { clock });
    rb.push('the CRI client', () => cri.close());
    const common: KubeletCommon = { nodeName: opts.nodeName, client, informers, cri, clock, timers, files, log };

    const volumes = startVolumeManager({ ...common, rootDir: opts.rootDir, mounter: opts.mounter ?? new RealMounter() });
    rb.push('the volume manager', () => volumes.stop());
    const pods = startPodManager({
      ...common, rootDir: opts.rootDir, clusterDns: opts.clusterDns, clusterDomain: opts.clusterDomain ?? 'cluster.local', nodeIp, cgroupRoot: opts.cgroupRoot, volumes,
    });
    rb.push('the pod manager', () => pods.stop());
    const clientCa = opts.server.clientCa ?? config.ca;
    if (!clientCa) throw new Error('kubelet server: no client CA (the kubeconfig has none and none was given)');
    const server = await startKubeletServer({ ...common, listen: opts.server.listen, tls: opts.server.tls, clientCa, pods: () => pods.pods() });
    rb.push('the kubelet server', () => server.close());
    const agent = startNodeAgent({ ...common, nodeIp, kubeletPort: server.port, podCount: () => pods.pods().length, nodeInfo, rootDir: opts.rootDir });
    rb.push('the node agent', () => agent.stop());
    informers.start();
    return { registered: agent.registered, nodeIp, serverPort: server.port, stop: () => rb.unwind(undoLog) };
  } catch (err) {
    await rb.unwind(undoLog);
    throw err;
  }
}
