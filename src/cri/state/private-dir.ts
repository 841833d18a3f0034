// The runtime's state directories hold image layers and container upper dirs with their
// setuid binaries and secrets, readable as they are in the image: only root may reach them
// (containerd keeps its snapshots 0700; CVE-2021-41091 was Docker's data root left 0711/0755).
// Directories made by an older skiff, or by hand, are tightened at start.
import { RealFiles } from '../../host/files/real.js';
import type { Files } from '../../host/files/types.js';

const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates dir (and missing parents) and makes it mode 0700 whatever it was; parents that
 * already existed keep their modes. Rejects with the HostError of mkdir/chmod (EACCES, ENOTDIR, EROFS).
 */
export async function privateDir(dir: string, files: Files = new RealFiles()): Promise<void> {
  await files.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await files.chmod(dir, PRIVATE_DIR_MODE);
}
