// The OCI spec of a pod's pid namespace holder (see pid-holder.ts): upstream's pause
// container reduced to what it is for here. A pure function of the sandbox's pins and paths.
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../oci/spec.js';
import { OCI_VERSION, type Namespace, type NamespaceType, type Spec } from '../oci/types.js';

/** uid and gid of the holder's process: nobody in particular, as upstream's pause image runs as 65535. */
export const HOLDER_UID = 65535;

export interface PidHolderSpecInput {
  sandboxId: string;
  /** Absolute path of the shared root filesystem: /pause and the empty mount points proc/ and dev/. */
  rootfs: string;
  /** RELATIVE cgroupsPath for runc (under the pod's cgroup). */
  cgroupsPath: string;
  /** The sandbox's pinned namespaces; an absent one is the node's. */
  netns?: string;
  ipc?: string;
  uts?: string;
}

/**
 * A read-only root holding only /pause, run as uid/gid 65535 with no capabilities and
 * no_new_privs, in a NEW pid namespace (of which it is PID 1) and a new mount namespace,
 * joined to the pod's pinned network, ipc and uts namespaces. Throws Error for a relative
 * rootfs or pin path, or an absolute cgroupsPath (runc would place it outside our cgroup).
 */
export function pidHolderSpec(input: PidHolderSpecInput): Spec {
  if (!input.rootfs.startsWith('/')) throw new Error(`pid holder rootfs "${input.rootfs}" must be absolute`);
  if (!input.cgroupsPath || input.cgroupsPath.startsWith('/') || input.cgroupsPath.split('/').includes('..')) {
    throw new Error(`pid holder cgroupsPath "${input.cgroupsPath}" must be relative, without ".."`);
  }
  const join = (type: NamespaceType, path: string | undefined): Namespace[] => {
    if (path === undefined) return [];
    if (!path.startsWith('/')) throw new Error(`pid holder ${type} namespace path "${path}" must be absolute`);
    return [{ type, path }];
  };
  const none: string[] = [];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: HOLDER_UID, gid: HOLDER_UID },
      args: ['/pause'],
      env: ['PATH=/'],
      cwd: '/',
      capabilities: { bounding: none, effective: none, permitted: none, inheritable: none, ambient: none },
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    // runc needs /proc (it closes inherited fds through /proc/self/fd) and makes its default
    // device nodes in /dev: a tmpfs keeps them off the shared rootfs.
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    annotations: { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': input.sandboxId },
    linux: {
      namespaces: [
        { type: 'pid' },
        ...join('ipc', input.ipc),
        ...join('uts', input.uts),
        { type: 'mount' },
        ...join('network', input.netns),
        { type: 'cgroup' },
      ],
      cgroupsPath: input.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}
