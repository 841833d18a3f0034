import { readFile } from 'node:fs/promises';
import { privateDir } from '../state/private-dir.js';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../host/clock.js';
import { writeJsonAtomic } from '../../host/files/atomic.js';
import { diskUsage } from '../../host/disk-usage.js';
import { RealFsMeta } from '../../host/image-fs/real.js';
import type { FsMeta } from '../../host/image-fs/types.js';
import type { Mounter } from '../../host/mount/types.js';
import { trace } from '../../trace.js';
import { ContentStore, isDigest, sha256 } from './content.js';
import { hostPlatform, pullImage, type Platform, type PullOptions } from './pull.js';
import { recordOf, type ImageRecord } from './records.js';
import { formatReference, parseReference, repoName } from './reference.js';
import { RegistryClient, RegistryError, type Credentials } from './registry.js';
import type { RegistryHosts } from './registry-hosts.js';
import { LayerStore, Snapshots } from './snapshots.js';

export type { ImageRecord } from './records.js';

const log = trace('images');

export interface ImageStoreOptions {
  /** The endpoints each image is pulled from (registries.yaml, registry-hosts.ts); default:
   *  its own registry, plain HTTP for loopback ones (localhost, 127.*, ::1). */
  hosts?: RegistryHosts;
  /** The platform picked from multi-platform indexes; default: this host's. */
  platform?: Platform;
  /** Metadata ops while unpacking; default: the addon's. Tests pass a fake. */
  fs?: FsMeta;
  fetch?: typeof fetch;
  /** Per pull: blobs downloaded at once, and how long a pull may go without progress. */
  pullLimits?: Pick<PullOptions, 'maxConcurrentDownloads' | 'progressTimeoutMs'>;
  /** Times pull progress and stamps ImageFsInfo; default the system's. */
  clock?: Clock;
}

/** A pull shared by the callers asking for one reference with the same credentials. */
interface SharedPull {
  job: Promise<ImageRecord>;
  /** Cancels the pull once every caller has given up on it. */
  cancel: AbortController;
  waiting: number;
}

export interface ImageFsUsage {
  mountpoint: string;
  usedBytes: number;
  inodesUsed: number;
  /** Nanoseconds since the epoch, as a decimal string. */
  timestamp: string;
}

/** A rootfs refused: unknown image, bad key, or a key already used for another image. */
export class ImageStoreError extends Error {
  override readonly name = 'ImageStoreError';
  constructor(message: string, readonly kind: 'notFound' | 'invalid' | 'conflict') {
    super(message);
  }
}

interface State {
  images: ImageRecord[];
}

/**
 * Pulled images and the container root filesystems over them, persisted under root:
 *
 *   images.json      the records (written atomically: tmp + rename)
 *   content/         blobs by digest (manifests, configs, compressed layers)
 *   layers/<hex>     one unpacked layer per diffID, shared by every image that has it
 *   rootfs/<key>/    upper, work, merged (the overlay) and rootfs.json per container
 *
 * A layer or blob stays while an image or a rootfs refers to it. Record changes and
 * garbage collection run one at a time; downloads and unpacking run outside that lock.
 */
export class ImageStore {
  private images = new Map<string, ImageRecord>();
  private readonly pulls = new Map<string, SharedPull>();
  private lock: Promise<unknown> = Promise.resolve();
  /** Pulls in flight: their blobs and layers are not in any record yet, so GC waits. */
  private pulling = 0;
  private gcPending = false;

  private constructor(
    readonly root: string,
    private readonly content: ContentStore,
    private readonly layers: LayerStore,
    private readonly snapshots: Snapshots,
    private readonly registry: RegistryClient,
    private readonly platform: Platform,
    private readonly pullLimits: ImageStoreOptions['pullLimits'] = {},
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Opens (creating) the store at root, loads the records and removes what a crash left
   * half-done. Rejects when root cannot be created or images.json is unreadable.
   */
  static async open(root: string, opts: ImageStoreOptions = {}): Promise<ImageStore> {
    // Only root may walk to a layer's files (setuid binaries, secrets, as in the image): the
    // layer and upper dirs themselves keep the image's modes, since they are the containers' /.
    await privateDir(root);
    await Promise.all(['content', 'layers', 'rootfs'].map((d) => privateDir(join(root, d))));
    const store = new ImageStore(
      root,
      new ContentStore(join(root, 'content')),
      new LayerStore(join(root, 'layers'), opts.fs ?? new RealFsMeta()),
      new Snapshots(join(root, 'rootfs')),
      new RegistryClient({ ...(opts.hosts ? { hosts: opts.hosts } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
      opts.platform ?? hostPlatform(),
      opts.pullLimits,
      opts.clock,
    );
    const state = await readFile(join(root, 'images.json'), 'utf8').then((t) => JSON.parse(t) as State, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return { images: [] };
      throw err;
    });
    store.images = new Map(state.images.map((r) => [r.id, r]));
    await Promise.all([store.content.sweep(), store.layers.sweep()]);
    await store.serial(() => store.gc()); // what a crash between a record change and its GC left
    return store;
  }

  /**
   * Pulls ref (normalized: 'busybox' is docker.io/library/busybox:latest), unpacks its
   * layers, and records it; a tag moves here from any image that had it (which keeps its
   * repo digests and stays listed, as in containerd). Concurrent pulls of one ref with the
   * same credentials share the work; `signal` abandons this caller's wait, and the pull's
   * downloads stop when every caller has abandoned it. Rejects with ReferenceError (bad
   * ref), RegistryError (status 404 unknown, 401 auth, 0 unreachable), DigestMismatch
   * (content or diffID), UnpackError (hostile layer), PullStalled (the registry stopped
   * sending), or the signal's reason.
   */
  pull(ref: string, auth?: Credentials, signal?: AbortSignal): Promise<ImageRecord> {
    const parsed = parseReference(ref);
    const key = `${formatReference(parsed)} ${auth ? sha256(JSON.stringify(auth)) : ''}`;
    let shared = this.pulls.get(key);
    // A pull every caller has left is being cancelled: a new caller starts afresh.
    if (!shared || shared.cancel.signal.aborted) {
      const cancel = new AbortController();
      const started: SharedPull = { job: this.fetchAndRecord(formatReference(parsed), auth, cancel.signal), cancel, waiting: 0 };
      started.job.catch(() => {}).finally(() => {
        if (this.pulls.get(key) === started) this.pulls.delete(key);
      });
      this.pulls.set(key, started);
      shared = started;
    }
    return waitFor(shared, signal);
  }

  /**
   * The image ref names, resolved as containerd does: 'sha256:<id>', a reference
   * (tag, normalized; or repo@digest), then a unique prefix of an id. Never throws.
   */
  get(ref: string): ImageRecord | undefined {
    if (typeof ref !== 'string' || !ref) return undefined;
    if (isDigest(ref)) return this.images.get(ref);
    try {
      const r = parseReference(ref);
      const name = formatReference(r);
      // By digest: what was pulled (repo digest), or the platform manifest below an index.
      const byDigest = (i: ImageRecord) => i.repoDigests.includes(name) || (i.manifestDigest === r.digest && i.repoDigests.some((d) => d.startsWith(`${repoName(r)}@`)));
      const found = [...this.images.values()].find((i) => (r.digest ? byDigest(i) : i.repoTags.includes(name)));
      if (found) return found;
    } catch {
      // Not a reference: maybe an id prefix.
    }
    const hex = ref.replace(/^sha256:/, '');
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    const matches = [...this.images.keys()].filter((id) => id.startsWith(`sha256:${hex}`));
    return matches.length === 1 ? this.images.get(matches[0]!) : undefined;
  }

  /** All images, or the one `filter` names (as get() resolves it; CRI-O reads the filter so). */
  list(filter?: string): ImageRecord[] {
    if (filter) {
      const one = this.get(filter);
      return one ? [one] : [];
    }
    return [...this.images.values()];
  }

  /** Removes the image ref names, with all its tags and digests; layers and blobs still
   *  used by another image or a rootfs stay. Succeeds when no image matches. Rejects only
   *  when the records cannot be written. */
  async remove(ref: string): Promise<void> {
    await this.serial(async () => {
      const rec = this.get(ref);
      if (!rec) return;
      this.images.delete(rec.id);
      await this.save();
      log(() => `removed ${rec.id} (${rec.repoTags.join(', ')})`);
      await this.gc();
    });
  }

  /** Usage of the image filesystem (the store's root): bytes and inodes, as `du` counts
   *  them, not descending into mounted container rootfs. */
  async fsInfo(): Promise<ImageFsUsage> {
    const timestamp = this.clock.nowNanos().toString();
    const mergedDir = (p: string) => p.startsWith(`${this.snapshots.root}/`) && p.endsWith('/merged');
    const { bytes, inodes } = await diskUsage(this.root, mergedDir);
    return { mountpoint: this.root, usedBytes: bytes, inodesUsed: inodes, timestamp };
  }

  /**
   * The root filesystem for container `key`: an overlay of the image's layers with a
   * private upper dir, mounted at the returned path. Idempotent for the same key and image
   * (mounted again after a reboot, keeping the upper). Rejects with ImageStoreError
   * notFound (no such image), invalid (bad key), conflict (key used by another image), or
   * HostError from the mounter.
   */
  async prepareRootfs(key: string, imageId: string, mounter: Mounter): Promise<string> {
    return this.serial(async () => {
      this.rootfsDir(key);
      const existing = await this.snapshots.meta(key);
      const rec = this.get(imageId);
      // A rootfs outlives its image's record (its layers are kept for it), so it can be
      // mounted again by the image id it was made from.
      const meta = existing && existing.imageId === (rec?.id ?? imageId) ? existing : rec && { key, imageId: rec.id, diffIds: rec.diffIds };
      if (!meta) throw new ImageStoreError(`image ${imageId} not found`, 'notFound');
      const lower = [...meta.diffIds].reverse().map((d) => this.layers.path(d));
      try {
        return await this.snapshots.prepare(meta, lower, mounter);
      } catch (err) {
        if (err instanceof Error && err.name === 'SnapshotError') throw new ImageStoreError(err.message, (err as Error & { kind: 'invalid' | 'conflict' }).kind);
        throw err;
      }
    });
  }

  /** Unmounts and deletes the rootfs of `key`, then drops layers nothing uses any more.
   *  Succeeds when it does not exist. Rejects with HostError when unmounting fails. */
  async removeRootfs(key: string, mounter: Mounter): Promise<void> {
    await this.serial(async () => {
      this.rootfsDir(key);
      await this.snapshots.remove(key, mounter);
      await this.gc();
    });
  }

  /** What a container wrote to its rootfs (the overlay's upper dir); zero when it has none. */
  async rootfsUsage(key: string): Promise<{ mountpoint: string; bytes: number; inodes: number }> {
    const usage = await diskUsage(join(this.snapshots.dir(key), 'upper')).catch(() => ({ bytes: 0, inodes: 0 }));
    return { mountpoint: this.snapshots.root, ...usage };
  }

  /** Removes rootfs directories a crash left without metadata and not mounted. */
  async sweepRootfs(mounter: Mounter): Promise<void> {
    const mounted = new Set((await mounter.list(this.snapshots.root)).map((m) => m.target));
    await this.serial(() => this.snapshots.sweep((p) => mounted.has(p)));
  }

  private rootfsDir(key: string): string {
    try {
      return this.snapshots.dir(key);
    } catch (err) {
      throw new ImageStoreError((err as Error).message, 'invalid');
    }
  }

  private async fetchAndRecord(ref: string, auth: Credentials | undefined, signal: AbortSignal): Promise<ImageRecord> {
    const parsed = parseReference(ref);
    this.pulling++;
    let failed = true;
    try {
      const pulled = await pullImage(parsed, { registry: this.registry, content: this.content }, auth, this.platform, { ...this.pullLimits, clock: this.clock, signal });
      signal.throwIfAborted();
      const diffIds = pulled.config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== pulled.layers.length) {
        throw new RegistryError(`${ref}: image config lists ${diffIds.length} diff_ids for ${pulled.layers.length} layers`, 502, 'MANIFEST_INVALID');
      }
      await Promise.all(pulled.layers.map((l, i) => this.layers.unpack(diffIds[i]!, this.content.path(l.digest))));
      return await this.serial(async () => {
        const rec = this.images.get(pulled.configDigest) ?? recordOf(pulled, diffIds);
        if (!rec.repoDigests.includes(pulled.repoDigest)) rec.repoDigests.push(pulled.repoDigest);
        if (!parsed.digest) {
          // A tag names one image: it moves here from wherever it was.
          for (const other of this.images.values()) other.repoTags = other.repoTags.filter((t) => t !== ref);
          rec.repoTags.push(ref);
        }
        this.images.set(rec.id, rec);
        await this.save();
        log(() => `pulled ${ref} as ${rec.id}`);
        failed = false;
        return structuredClone(rec);
      });
    } finally {
      this.pulling--;
      // Blobs and layers of a failed pull belong to no image: collect them.
      if (failed) this.gcPending = true;
      if (this.pulling === 0 && this.gcPending) void this.serial(() => this.gc()).catch((err: Error) => log(() => `gc: ${err.message}`));
    }
  }

  /** Deletes layers and blobs that no image and no rootfs refers to. Caller holds the lock. */
  private async gc(): Promise<void> {
    if (this.pulling > 0) {
      this.gcPending = true;
      return;
    }
    this.gcPending = false;
    const rootfs = await this.snapshots.all();
    const liveLayers = new Set([...this.images.values()].flatMap((i) => i.diffIds).concat(rootfs.flatMap((r) => r.diffIds)));
    const liveBlobs = new Set([...this.images.values()].flatMap((i) => [i.id, i.manifestDigest, ...i.layers.map((l) => l.digest)]));
    for (const d of await this.layers.list()) if (!liveLayers.has(d)) await this.layers.remove(d);
    for (const d of await this.content.list()) if (!liveBlobs.has(d)) await this.content.delete(d);
  }

  private async save(): Promise<void> {
    await writeJsonAtomic(join(this.root, 'images.json'), { images: [...this.images.values()] } satisfies State);
  }

  /** Runs fn after every earlier one has settled. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }
}

/** The shared pull's result for one caller, who may leave early by `signal`; the last
 *  caller to leave cancels the pull. */
function waitFor(shared: SharedPull, signal?: AbortSignal): Promise<ImageRecord> {
  shared.waiting++;
  const leave = (reason: unknown) => {
    if (--shared.waiting === 0) shared.cancel.abort(reason);
  };
  if (!signal) return shared.job;
  if (signal.aborted) {
    leave(signal.reason);
    return Promise.reject(signal.reason);
  }
  return new Promise<ImageRecord>((resolve, reject) => {
    const onAbort = () => {
      leave(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
