// What the runtime remembers about each sandbox and container, persisted as JSON so a
// restarted `skiff cri` lists everything with its right state. The CRI config objects are
// kept verbatim: status and list RPCs answer from them.
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { ContainerState__Output } from '../gen/runtime/v1/ContainerState.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { PodSandboxState__Output } from '../gen/runtime/v1/PodSandboxState.js';

/** Nanoseconds since the epoch as a decimal string ('0' = never), the CRI's int64 form. */
export type Nanos = string;

export interface SandboxRecord {
  id: string;
  /** 'creating' until RunPodSandbox finished: a record left in it by a crash is cleaned up on restart. */
  phase: 'creating' | 'created';
  state: PodSandboxState__Output;
  config: PodSandboxConfig__Output;
  createdAt: Nanos;
  runtimeHandler: string;
  /** Directory holding the pins, pod files and shm (runDir/<id>). */
  dir: string;
  /** Pin paths; absent = the host's namespace. */
  netns?: string;
  ipc?: string;
  uts?: string;
  hostsFile?: string;
  resolvConf?: string;
  hostnameFile?: string;
  shm?: string;
  ip?: string;
  additionalIps: string[];
  /** The pod's cgroup, relative to the runtime's cgroup root. */
  cgroup: string;
  /** runc id of the pod's pid namespace holder (sandbox/pid-holder.ts); only for pid mode POD. */
  pidHolder?: string;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  phase: 'creating' | 'created';
  state: ContainerState__Output;
  config: ContainerConfig__Output;
  /** The image as the caller named it, and the id it resolved to. */
  image: string;
  imageId: string;
  createdAt: Nanos;
  startedAt: Nanos;
  finishedAt: Nanos;
  exitCode: number;
  reason: string;
  message: string;
  /** Absolute path of the CRI log (sandbox log_directory + container log_path), or ''. */
  logPath: string;
  /** Bundle and conmon state (config.json, exit file, pidfiles). */
  dir: string;
  /** The rootfs snapshot key in the image store. */
  rootfsKey: string;
  pid: number;
  /** The container's cgroup, relative to the runtime's cgroup root. */
  cgroup: string;
}

export const nowNanos = (): Nanos => (BigInt(Date.now()) * 1_000_000n).toString();
export const dateNanos = (d: Date): Nanos => (BigInt(d.getTime()) * 1_000_000n).toString();
