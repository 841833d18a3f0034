// What the CRI server needs from the rest of skiff. The composition root (src/cli/cri.ts)
// builds it; unit tests build it from fakes.
import type { CniInvoker } from '../cni/invoker/invoker.js';
import type { NetConfList } from '../cni/types.js';
import type { Cgroups } from '../host/cgroups/types.js';
import type { Files } from '../host/files/types.js';
import type { Host } from '../host/index.js';
import type { OciRuntime } from '../host/oci/types.js';
import type { ImageStore } from './images/store.js';
import type { HostFacts } from './oci/spec.js';
import type { RuntimeState } from './state/runtime-state.js';
import type { StreamingServer } from './streaming/server.js';

export interface NetworkStatus {
  ready: boolean;
  /** CamelCase reason, e.g. 'NetworkPluginNotReady', when not ready. */
  reason?: string;
  message?: string;
}

/** The pod network: the first configuration list in the CNI conf dir and an invoker for it. */
export interface PodNetwork {
  list: NetConfList;
  invoker: CniInvoker;
}

export interface CriDeps {
  /** Whether pod networking can be set up now (CNI config and plugins present). A
   *  rejection is reported to the caller as NetworkReady=false, not as an RPC error. */
  networkReady(): Promise<NetworkStatus>;
  /** How cgroups are named and placed: fixed for the process's life (the kubelet asks once). */
  cgroupDriver: 'cgroupfs' | 'systemd';
  /** Pulled images, their unpacked layers and the container root filesystems over them. */
  images: ImageStore;
  host: Host;
  /** Bundles, pod files and the pid holder's rootfs on disk. */
  files: Files;
  oci: OciRuntime;
  cgroups: Cgroups;
  /** The current pod network; undefined while no CNI configuration exists. */
  network(): Promise<PodNetwork | undefined>;
  /** The records, locks, events, watchers and clock of this runtime (state/runtime-state.ts). */
  state: RuntimeState;
  streaming: StreamingServer;
  dirs: {
    /** Per-sandbox directories (pod files, shm); namespace pins live in its `.pins/`. */
    sandboxes: string;
    /** Per-container directories: OCI bundle, conmon state. */
    containers: string;
  };
  /** Parent cgroup (relative to skiff's own) of pods whose config names none. */
  defaultCgroupParent: string;
  /** The skiff-pause executable for pods sharing a pid namespace; default: found beside the build (sandbox/pid-holder.ts pauseBinary). */
  pauseBinary?: string;
  /** Host limits the OCI spec must respect (this VM forbids negative oom_score_adj). */
  hostLimits: HostFacts;
  log(message: string): void;
}
