// Which namespaces a pod gets, where they are pinned, and making them. No pause container:
// the pins (bind-mounted nsfs files, see src/host/netns) are what keeps them alive.
import { join } from 'node:path';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { Host } from '../../host/index.js';

/** What the pod shares with the node. The pid namespace is the container layer's business. */
export interface NamespaceModes {
  /** network NODE: the node's netns and uts, no CNI. */
  hostNetwork: boolean;
  /** ipc NODE: the node's ipc namespace and /dev/shm. */
  hostIpc: boolean;
}

/** Pin paths; an absent one means the node's namespace of that kind. */
export interface NamespacePaths {
  netns?: string;
  ipc?: string;
  uts?: string;
}

/**
 * Reads linux.security_context.namespace_options. Anything but NODE is a namespace of the
 * pod's own, as containerd does (CONTAINER and TARGET mean nothing for a sandbox).
 */
export function namespaceModes(config: PodSandboxConfig__Output): NamespaceModes {
  const opts = config.linux?.securityContext?.namespaceOptions;
  return { hostNetwork: opts?.network === 'NODE', hostIpc: opts?.ipc === 'NODE' };
}

/**
 * The directory every pin of a runtime lives in. One directory for all pods because the
 * netns seam turns a pin's directory into a shared mount point once (as `ip netns add`
 * does with /run/netns), which it remembers per directory for the life of the process.
 * A dot name, so no sandbox id (which starts with a letter or digit) can take it.
 */
export function pinDir(runDir: string): string {
  return join(runDir, '.pins');
}

/** Where the pod's namespaces are pinned; uts follows network (a host-network pod sees the node's name). */
export function namespacePaths(runDir: string, id: string, modes: NamespaceModes): NamespacePaths {
  const base = join(pinDir(runDir), id);
  return {
    ...(modes.hostNetwork ? {} : { netns: `${base}-net`, uts: `${base}-uts` }),
    ...(modes.hostIpc ? {} : { ipc: `${base}-ipc` }),
  };
}

/**
 * Creates and pins the namespaces (all or nothing), names the new uts namespace and brings
 * `lo` up in the new netns, so the pod reaches itself on 127.0.0.1 before CNI runs.
 * Rejects with HostError: EINVAL for a hostname the kernel would refuse, EEXIST when a pin
 * exists (the id is in use); anything else from the kernel. Nothing stays pinned on failure.
 */
export async function createNamespaces(host: Host, paths: NamespacePaths, hostname: string | undefined): Promise<void> {
  if (!paths.netns && !paths.ipc && !paths.uts) return;
  await host.netns.create({
    ...(paths.netns ? { net: paths.netns } : {}),
    ...(paths.ipc ? { ipc: paths.ipc } : {}),
    ...(paths.uts ? { uts: paths.uts, ...(hostname ? { hostname } : {}) } : {}),
  });
  if (!paths.netns) return;
  try {
    await host.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], paths.netns);
  } catch (err) {
    await removeNamespaces(host, paths).catch(() => {});
    throw err;
  }
}

/** Unpins every namespace; succeeds when the pins are already gone. Rejects with the kernel's HostError. */
export async function removeNamespaces(host: Host, paths: NamespacePaths): Promise<void> {
  for (const path of [paths.netns, paths.ipc, paths.uts]) if (path) await host.netns.remove(path);
}
