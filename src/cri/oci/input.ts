// What containerSpec() is a function of. Everything the caller had to read from the machine
// (the rootfs's /etc/passwd, a Localhost seccomp profile, the runtime's own capabilities,
// which cgroup controllers exist) arrives here as data, so the spec is reproducible in tests.
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { Device } from './types.js';

/** The "config" object of an OCI image config (image-spec config.md). */
export interface ImageConfigBody {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

/** A namespace the container gets: a fresh one, the one pinned at `path`, or the host's. */
export type NsRef = { kind: 'new' } | { kind: 'path'; path: string } | { kind: 'host' };

/** What the caller learnt about a host device node (stat of the resolved host path). */
export interface DeviceInfo {
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** Facts about the machine and the runtime process. */
export interface HostFacts {
  /** The runtime may set a negative oom_score_adj (it holds CAP_SYS_RESOURCE). */
  negativeOomScoreAdj: boolean;
  /** The highest RLIMIT_NOFILE the runtime can hand out (its own hard limit). */
  maxNofile?: number;
  /** Capabilities the runtime holds ('CAP_*'); privileged and "ALL" mean these. Default: every known one. */
  capabilities?: string[];
  /** The memory cgroup accounts swap (v1 memory.memsw.*, v2 memory.swap.max). Default false. */
  swap?: boolean;
  /** A hugetlb cgroup controller exists. Default false. */
  hugetlb?: boolean;
  /** Node's process.arch naming ('x64', 'arm64', ...); picks seccomp architectures. Default 'x64'. */
  arch?: string;
  /** The node's hostname: HOSTNAME for containers whose sandbox config names none. */
  hostname?: string;
  /** Host device nodes given to privileged containers (containerd: WithHostDevices). */
  devices?: Device[];
}

export interface SpecInput {
  /** Container id: annotations and error messages. */
  id: string;
  /** The pod sandbox id (io.kubernetes.cri.sandbox-id). */
  sandboxId?: string;
  container: ContainerConfig__Output;
  sandbox: PodSandboxConfig__Output;
  image: ImageConfigBody;
  /** Absolute path of the mounted rootfs. */
  rootfs: string;
  /** mount and cgroup namespaces are always new. */
  namespaces: { network: NsRef; ipc: NsRef; uts: NsRef; pid: NsRef };
  /** Host paths bind-mounted to /etc/hostname, /etc/hosts, /etc/resolv.conf, /dev/shm unless CRI mounts target them. */
  sandboxFiles?: { hostname?: string; hosts?: string; resolvConf?: string; shm?: string };
  /** Relative to runc's own cgroup (e.g. 'skiff/pod<uid>/<id>'); absolute paths are refused. */
  cgroupsPath: string;
  /** Contents of the rootfs's /etc/passwd and /etc/group, when present. */
  etcPasswd?: string;
  etcGroup?: string;
  /** JSON text of the Localhost seccomp profile, when one is requested. */
  seccompLocalhost?: string;
  /** Resolved host devices for ContainerConfig.devices, by host_path. */
  deviceInfo?: Record<string, DeviceInfo>;
  host: HostFacts;
}

/** An input the spec cannot be built from; `field` names the offending request field. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}
