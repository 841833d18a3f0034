import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Disk use of a tree like `du`: allocated bytes and inodes, each hard-linked inode once,
 * not descending into the directories `skip` names (mount points of container rootfs).
 * Entries that vanish mid-walk are ignored.
 */
export async function diskUsage(root: string, skip: (path: string) => boolean = () => false): Promise<{ bytes: number; inodes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    bytes += st.blocks * 512;
    if (!st.isDirectory() || skip(path)) return;
    const names = await readdir(path).catch(() => [] as string[]);
    await Promise.all(names.map((n) => walk(join(path, n))));
  };
  await walk(root);
  return { bytes, inodes: seen.size };
}
