// Upstream's AtomicWriter (pkg/volume/util/atomic_writer.go) over the Files seam: the contents
// live in a hidden `..<UTC time>.<random>` directory, `..data` is a symlink to it, and every
// user-visible top-level entry is a symlink through `..data`. An update writes a new directory
// and swaps `..data` with one rename, so a reader sees all old files or all new ones, never a mix.
import { randomInt } from 'node:crypto';
import { dirname, join, normalize } from 'node:path';
import type { Clock } from '../../host/clock.js';
import { isNotFound } from '../../host/errors.js';
import type { Files } from '../../host/files/types.js';
import { VolumeError } from './errors.js';

export interface FileProjection {
  readonly data: Uint8Array;
  /** Permission bits, set exactly (no umask). */
  readonly mode: number;
  /** Owner of the file (the token file's runAsUser); the group then is fsGroup when set. */
  readonly fsUser?: number;
  readonly fsGroup?: number;
}

/** Relative path in the volume -> file. */
export type Payload = ReadonlyMap<string, FileProjection>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';
const MAX_NAME = 255;
const MAX_PATH = 4096;

/** Upstream's validatePath: relative, no `..` element, not starting with `..` (reserved), bounded. */
export function validatePayloadPath(path: string): string | undefined {
  if (path === '') return `invalid path: must not be empty: "${path}"`;
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`;
  if (path.length > MAX_PATH) return `invalid path: must be less than or equal to ${MAX_PATH} characters`;
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${path}`;
    if (item.length > MAX_NAME) return `invalid path: filenames must be less than or equal to ${MAX_NAME} characters`;
  }
  if (items[0]!.startsWith('..') && items[0]!.length > 2) return `invalid path: must not start with '..': ${path}`;
  return undefined;
}

export interface AtomicWriterDeps {
  readonly files: Files;
  readonly clock: Clock;
}

/**
 * Projects payload into dir (which must exist). Resolves with whether a new data directory was
 * written (false when the contents on disk already match). setPerms runs on the new data before
 * it is published (fsGroup). Rejects with VolumeError for a bad path, else HostError; a failed
 * write leaves the previous contents published and no new directory behind.
 */
export async function writeAtomicDir(deps: AtomicWriterDeps, dir: string, payload: Payload, setPerms?: () => Promise<void>): Promise<boolean> {
  const { files } = deps;
  const clean = new Map<string, FileProjection>();
  for (const [path, file] of payload) {
    const problem = validatePayloadPath(path);
    if (problem) throw new VolumeError(problem);
    clean.set(normalize(path).replace(/\/$/, ''), file);
  }
  const oldTs = await readlinkOrNone(files, join(dir, DATA));
  let toRemove = new Set<string>();
  let write = true;
  if (oldTs !== undefined) {
    toRemove = await pathsToRemove(files, join(dir, oldTs), clean);
    write = toRemove.size > 0 || await changed(files, join(dir, oldTs), clean);
  }
  if (write) {
    const ts = await newTimestampDir(deps, dir);
    try {
      await writePayload(files, join(dir, ts), clean);
      await setPerms?.();
      await files.remove(join(dir, DATA_TMP));
      await files.symlink(ts, join(dir, DATA_TMP));
      await files.rename(join(dir, DATA_TMP), join(dir, DATA));
    } catch (err) {
      await files.remove(join(dir, DATA_TMP));
      await files.remove(join(dir, ts));
      throw err;
    }
  }
  for (const top of new Set([...clean.keys()].map((p) => p.split('/')[0]!))) {
    if (!(await files.lstat(join(dir, top)))) await files.symlink(join(DATA, top), join(dir, top));
  }
  // Only top-level entries are links; deeper ones went with the old data directory.
  for (const p of toRemove) if (!p.includes('/')) await files.remove(join(dir, p));
  if (write && oldTs !== undefined) await files.remove(join(dir, oldTs));
  return write;
}

async function readlinkOrNone(files: Files, path: string): Promise<string | undefined> {
  try {
    return await files.readlink(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Everything in the old data directory that the new payload does not have (nor a parent of). */
async function pathsToRemove(files: Files, oldDir: string, payload: ReadonlyMap<string, FileProjection>): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const p of payload.keys()) for (let q = p; q !== '.' && q !== ''; q = dirname(q)) keep.add(q);
  const old = await walk(files, oldDir, '');
  return new Set(old.filter((p) => !keep.has(p)));
}

async function walk(files: Files, root: string, rel: string): Promise<string[]> {
  let names: string[];
  try {
    names = await files.list(join(root, rel));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const out: string[] = [];
  for (const name of names) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if ((await files.lstat(join(root, p)))?.kind === 'dir') out.push(...await walk(files, root, p));
  }
  return out;
}

/** Whether any file's content differs from the old directory's (as upstream, modes are not compared). */
async function changed(files: Files, oldDir: string, payload: ReadonlyMap<string, FileProjection>): Promise<boolean> {
  for (const [p, file] of payload) {
    const path = join(oldDir, p);
    if (!(await files.lstat(path))) return true;
    const text = decodeExact(file.data);
    // Bytes that are not UTF-8 cannot be compared through readText: write them again.
    if (text === undefined || (await files.readText(path)) !== text) return true;
  }
  return false;
}

function decodeExact(data: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    return undefined;
  }
}

/** `..2006_01_02_15_04_05.<random>` in UTC as upstream's MkdirTemp pattern, mode 0755 whatever the umask. */
async function newTimestampDir(deps: AtomicWriterDeps, dir: string): Promise<string> {
  const stamp = new Date(deps.clock.now()).toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  for (;;) {
    const name = `..${stamp}.${randomInt(1e9)}`;
    try {
      await deps.files.mkdir(join(dir, name), { mode: 0o755 });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EEXIST') continue;
      throw err;
    }
    await deps.files.chmod(join(dir, name), 0o755);
    return name;
  }
}

async function writePayload(files: Files, dir: string, payload: ReadonlyMap<string, FileProjection>): Promise<void> {
  for (const [p, file] of payload) {
    const path = join(dir, p);
    await files.mkdir(dirname(path), { recursive: true });
    await files.write(path, file.data, { mode: file.mode });
    await files.chmod(path, file.mode);
    if (file.fsUser !== undefined) await files.lchown(path, file.fsUser, file.fsGroup ?? -1);
  }
}
