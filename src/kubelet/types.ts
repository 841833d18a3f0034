// The seams between the kubelet's parts, so each is built and tested alone and kubelet.ts only
// composes them. Every part talks to the apiserver through src/client and to the runtime through
// the CRI client (src/cri/client.ts): the same code drives skiff's runtime, containerd or CRI-O.
import type { Container, Node, Pod } from '../api/types.js';
import type { Client } from '../client/client.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { Timers } from '../client/timers.js';
import type { CriClient } from '../cri/client.js';
import type { Clock } from '../host/clock.js';
import type { Files } from '../host/files/types.js';
import type { Mounter } from '../host/mount/types.js';
import type { NodeInfo } from '../host/nodeinfo/types.js';

/** What every part gets from the composition root. */
export interface KubeletCommon {
  readonly nodeName: string;
  /** Acts as system:node:<nodeName> (group system:nodes). */
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly cri: CriClient;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly files: Files;
  readonly log: (line: string) => void;
}

/** Registration, Lease renewal and Node status (src/kubelet/node/). */
export interface NodeAgentDeps extends KubeletCommon {
  /** The address reported as InternalIP (upstream --node-ip); default: the default route's interface. */
  readonly nodeIp?: string;
  /** The port of the kubelet server, for status.daemonEndpoints. */
  readonly kubeletPort: number;
  /** The machine's facts (capacity, nodeInfo, pressure, default route): src/host/nodeinfo. */
  readonly nodeInfo: NodeInfo;
  /** The kubelet's root dir: its filesystem is the node's ephemeral-storage (nodefs). */
  readonly rootDir: string;
  /** Runtime-reported images and the pods' usage feed status; the pod manager supplies these. */
  readonly podCount: () => number;
}

export interface NodeAgent {
  /** Resolves once the Node is registered and has spec.podCIDR (set by the server's node IPAM). */
  readonly registered: Promise<Node>;
  stop(): Promise<void>;
}

/** Pods bound to this node, run through the CRI and reported back (src/kubelet/pods/). */
export interface PodManagerDeps extends KubeletCommon {
  /** Where pod volumes, logs and per-pod files live (upstream --root-dir, <data-dir>/kubelet). */
  readonly rootDir: string;
  /** Nameserver of ClusterFirst pods (--cluster-dns) and the search domain's suffix. */
  readonly clusterDns: readonly string[];
  readonly clusterDomain: string;
  /** The node's InternalIP, for status.hostIP(s) and the downward API. */
  readonly nodeIp: string;
  /** cgroup parent of pods, relative to skiff's own cgroup (--cgroup-root). */
  readonly cgroupRoot: string;
  /** Makes each pod's volumes before its containers and removes them after its sandboxes. */
  readonly volumes: VolumeManager;
}

export interface PodManager {
  /** Pods this kubelet runs now (for the Node's capacity and the kubelet server's /pods). */
  pods(): readonly Pod[];
  stop(): Promise<void>;
}

/** The kubelet's HTTPS server on 10250 (src/kubelet/server/). */
export interface KubeletServerDeps extends KubeletCommon {
  /** host:port; port 0 picks one (tests). */
  readonly listen: string;
  /** Serving certificate and key (PEM), issued by the cluster CA for the node's names and IPs. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** CA that client certificates (the apiserver's kubelet-client) must chain to. */
  readonly clientCa: string;
  readonly pods: () => readonly Pod[];
}

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Pod volumes on the node (src/kubelet/volumes/): emptyDir, hostPath, configMap, secret,
 *  downwardAPI, projected (service account tokens), written atomically and kept current. */
export interface VolumeManagerDeps extends KubeletCommon {
  /** Volumes live in <rootDir>/pods/<uid>/volumes/<plugin>/<name>, as upstream lays them out. */
  readonly rootDir: string;
  /** tmpfs for emptyDir medium Memory, secret, downwardAPI and projected volumes. */
  readonly mounter: Mounter;
}

export interface PodVolumes {
  /** Host path of each volume by its name in the pod spec, ready to bind-mount. */
  readonly paths: ReadonlyMap<string, string>;
}

export interface VolumeManager {
  /** Makes every volume of the pod (idempotent, also for a pod already running: contents
   *  refreshed). Rejects with an error whose message is upstream's FailedMount message. */
  setUp(pod: Pod): Promise<PodVolumes>;
  /** Makes the container's subPath directories, subPathExpr expanded with env (its resolved
   *  environment), before CreateContainer: setUp already made those the pod object alone
   *  determines. Rejects with MountError (`failed to prepare subPath for volumeMount ...`). */
  prepareSubPaths(pod: Pod, container: Container, volumes: PodVolumes, env: ReadonlyMap<string, string>): Promise<void>;
  /** Removes the pod's volumes and unmounts what was mounted for them; idempotent. */
  tearDown(podUid: string): Promise<void>;
  /** Uids of the pods that have a volume directory (to clean up pods deleted while down). */
  podsOnDisk(): Promise<string[]>;
  stop(): Promise<void>;
}
