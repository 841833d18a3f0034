// The bridge from records to the OCI spec generator: which namespaces a container joins
// (the sandbox's pins; no pause container), where its pod files are, its stop signal.
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { DeviceInfo, HostFacts, ImageConfigBody, NsRef, SpecInput } from '../oci/spec.js';
import type { SandboxRecord } from '../state/records.js';

export interface SpecSources {
  id: string;
  config: ContainerConfig__Output;
  sandbox: SandboxRecord;
  image: ImageConfigBody;
  rootfs: string;
  cgroupsPath: string;
  etcPasswd?: string;
  etcGroup?: string;
  host: HostFacts;
  /** Type and numbers of the host device nodes the request names. */
  deviceInfo?: Record<string, DeviceInfo>;
  /** The pid whose pid namespace a POD container joins (no containerId: the pod's pid holder,
   *  else its first running container) or a TARGET one does (that container's). */
  podPidOf?: (containerId?: string) => number | undefined;
}

const pin = (path: string | undefined): NsRef => (path ? { kind: 'path', path } : { kind: 'host' });

/** The pid namespace a container asks for: its own (CONTAINER, the default), the pod's, a target's or the node's. */
export const containerPidMode = (config: ContainerConfig__Output): string => config.linux?.securityContext?.namespaceOptions?.pid ?? 'CONTAINER';

export function specInputFor(src: SpecSources): SpecInput {
  const s = src.sandbox;
  const r = s.resources;
  const pidMode = containerPidMode(src.config);
  let pid: NsRef = { kind: 'new' };
  if (pidMode === 'NODE') pid = { kind: 'host' };
  else if (pidMode === 'POD' || pidMode === 'TARGET') {
    // The pod's pid namespace is its pid holder's (sandbox/pid-holder.ts).
    const target = src.podPidOf?.(pidMode === 'TARGET' ? src.config.linux?.securityContext?.namespaceOptions?.targetId : undefined);
    if (target) pid = { kind: 'path', path: `/proc/${target}/ns/pid` };
  }
  return {
    id: src.id, sandboxId: s.id, deviceInfo: src.deviceInfo, container: src.config, sandbox: s.config, image: src.image, rootfs: src.rootfs,
    namespaces: { network: pin(r.netns), ipc: pin(r.ipc), uts: pin(r.uts), pid },
    sandboxFiles: { hostname: r.hostnameFile, hosts: r.hostsFile, resolvConf: r.resolvConf, shm: r.shm },
    cgroupsPath: src.cgroupsPath, etcPasswd: src.etcPasswd, etcGroup: src.etcGroup, host: src.host,
  };
}

/** The signal StopContainer sends first: the CRI's, else the image's STOPSIGNAL, else SIGTERM. */
export function stopSignalOf(config: ContainerConfig__Output, image?: { StopSignal?: string }): string {
  if (config.stopSignal && config.stopSignal !== 'RUNTIME_DEFAULT') return config.stopSignal;
  return image?.StopSignal || 'SIGTERM';
}
