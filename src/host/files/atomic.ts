// The one way a file is replaced whole on disk: write a temp file in the same directory (so the
// rename stays on one filesystem), fsync it, rename it over the target. Readers, and a crash at
// any point, see the old content or the new, never a mix or a truncated file.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces path with data; a new file gets mode (before the umask; 0666 when omitted). The
 * temp file is `.<name>.tmp-<random>` beside path: hidden, never ending in the target's
 * extension (record stores that load `*.json` skip and sweep it), and unique so concurrent
 * writers do not share one. Rejects with the fs error (ENOENT for a missing directory, EISDIR
 * when path is a directory) or data's serialisation error; no temp file is left then.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o666): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A record file as JSON (one-space indent), 0600 when new: the image store's and the
 *  snapshots' state. Rejects as writeFileAtomic, or with JSON.stringify's TypeError. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1), 0o600);
}
