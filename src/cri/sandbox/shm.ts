// The pod's /dev/shm: a tmpfs of its own when the pod has its own ipc namespace, so shared
// memory between its containers neither leaks to the node nor grows without bound.
import type { Files } from '../../host/files/types.js';
import { isNotFound } from '../../host/index.js';
import type { Mounter } from '../../host/index.js';

/** containerd's default size; the kubelet has no say in it (CRI carries no shm size). */
export const SHM_SIZE = '64m';

/**
 * Creates `path` and mounts a tmpfs there (mode 1777, nosuid, nodev, noexec, 64 MiB).
 * Rejects with the HostError of the mkdir or the mount; nothing is mounted then.
 */
export async function mountShm(mounter: Mounter, files: Files, path: string): Promise<void> {
  await files.mkdir(path, { recursive: true, mode: 0o700 });
  await mounter.tmpfs(path, { size: SHM_SIZE, mode: 0o1777, nosuid: true, nodev: true, noexec: true });
}

/**
 * Unmounts whatever is mounted at or below `path` (the shm, or a whole sandbox directory
 * before it is deleted), innermost first and lazily, so a container that still holds a file
 * open does not block removal. Succeeds when nothing is mounted. Rejects with the mounter's
 * HostError (EPERM...).
 */
export async function unmountTree(mounter: Mounter, path: string): Promise<void> {
  for (const m of (await mounter.list(path)).reverse()) {
    try {
      await mounter.unmount(m.target, { detach: true });
    } catch (err) {
      // Gone meanwhile (a concurrent remove): that is what we wanted.
      if (!isNotFound(err) && (err as { code?: string }).code !== 'EINVAL') throw err;
    }
  }
}
