// fsGroup as upstream's SetVolumeOwnership (pkg/volume/volume_linux.go): every entry of the
// volume gets the group (lchown, links included), files g+rw (g+r for read-only API data),
// directories also g+x and setgid so what the pod creates inherits the group.
import { join } from 'node:path';
import type { Files } from '../../host/files/types.js';

const RW = 0o660;
const RO = 0o440;
const DIR_EXTRA = 0o2000 | 0o110;

export async function setVolumeOwnership(files: Files, dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const mask = readOnly ? RO : RW;
  const visit = async (path: string): Promise<void> => {
    const info = await files.lstat(path);
    if (!info) return;
    await files.lchown(path, -1, fsGroup);
    if (info.kind === 'symlink') return; // a link's mode means nothing; its target is visited itself
    await files.chmod(path, info.mode | mask | (info.kind === 'dir' ? DIR_EXTRA : 0));
    if (info.kind === 'dir') for (const name of await files.list(path)) await visit(join(path, name));
  };
  await visit(dir);
}
