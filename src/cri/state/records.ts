// What the runtime remembers about each sandbox and container, persisted as JSON so a
// restarted `skiff cri` lists everything with its right state. The CRI config objects are
// kept verbatim: status and list RPCs answer from them. `phase` and `state` are readonly:
// they change only through the transition table (transitions.ts).
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { ContainerState__Output } from '../gen/runtime/v1/ContainerState.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { PodSandboxState__Output } from '../gen/runtime/v1/PodSandboxState.js';
import type { SandboxResources } from '../sandbox/setup.js';

/** Nanoseconds since the epoch as a decimal string ('0' = never), the CRI's int64 form. */
export type Nanos = string;

/** 'creating' until the create RPC finished: a record left in it by a crash is cleaned up on restart. */
export type Phase = 'creating' | 'created';

export interface SandboxRecord {
  id: string;
  readonly phase: Phase;
  readonly state: PodSandboxState__Output;
  config: PodSandboxConfig__Output;
  createdAt: Nanos;
  runtimeHandler: string;
  /** What the pod is made of on the machine: while 'creating', where setupSandbox will put it
   *  (sandbox/setup.ts plannedResources), so a crash mid-way is cleaned up from the record alone;
   *  once created, what setupSandbox made (without ipcSysctls, which only the create needs). */
  resources: SandboxResources;
  /** The pod's cgroup, relative to the runtime's cgroup root. */
  cgroup: string;
  /** runc id of the pod's pid namespace holder (sandbox/pid-holder.ts); only for pid mode POD. */
  pidHolder?: string;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  readonly phase: Phase;
  readonly state: ContainerState__Output;
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
  /** The signal StopContainer sends first, fixed at create time (the CRI's, else the image's
   *  STOPSIGNAL, else SIGTERM) so removing the image does not change it, as containerd keeps it.
   *  '' only in records from before it was kept: then the image is asked, as containerd does. */
  stopSignal: string;
  /** Whether its pid namespace is not its own (joined by path, or the node's), as its OCI spec
   *  says: then whatever its main process leaves behind is killed when it exits. */
  sharedPidNamespace: boolean;
}

export const dateNanos = (d: Date): Nanos => (BigInt(d.getTime()) * 1_000_000n).toString();
