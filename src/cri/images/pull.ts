import { Readable } from 'node:stream';
import { systemClock, type Clock } from '../../host/clock.js';
import { ContentStore, isDigest } from './content.js';
import { DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_PULL_PROGRESS_TIMEOUT_MS, PullProgress, Semaphore } from './limits.js';
import { formatReference, repoName, type ImageRef } from './reference.js';
import { MAX_MANIFEST_BYTES, MediaType, parseJson, RegistryClient, RegistryError, type Credentials, type RequestIo } from './registry.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

interface Manifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

interface Index {
  mediaType?: string;
  manifests: Descriptor[];
}

/** The image config's fields the runtime uses (OCI image-spec config). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    User?: string; Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string;
    ExposedPorts?: Record<string, object>; Volumes?: Record<string, object>; Labels?: Record<string, string>; StopSignal?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
}

export interface PulledImage {
  /** 'docker.io/library/busybox@sha256:...' of the platform manifest's parent (index or manifest). */
  repoDigest: string;
  manifestDigest: string;
  configDigest: string;
  config: ImageConfig;
  layers: Descriptor[];
  /** Sum of the compressed layer sizes and the config. */
  size: number;
}

const LAYER_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
]);

export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

export interface PullOptions {
  /** Blobs downloaded at once; default DEFAULT_MAX_CONCURRENT_DOWNLOADS (containerd's 3). */
  maxConcurrentDownloads?: number;
  /** Cancel when no byte arrives for this long while a request is open; 0: never.
   *  Default DEFAULT_PULL_PROGRESS_TIMEOUT_MS (containerd's 5m). */
  progressTimeoutMs?: number;
  /** Times the progress timeout; default the system's. */
  clock?: Clock;
  /** Cancels the pull: every request and download stops. */
  signal?: AbortSignal;
}

/**
 * Fetches an image into the content store: the manifest (the host platform's entry when
 * the reference names an index), its config and its layers, each checked against its
 * digest, a few blobs at a time. Layers already present are not fetched again. Rejects
 * with RegistryError, DigestMismatch, PullStalled (no progress), or the signal's reason.
 */
export async function pullImage(ref: ImageRef, deps: { registry: RegistryClient; content: ContentStore }, creds?: Credentials, platform = hostPlatform(), opts: PullOptions = {}): Promise<PulledImage> {
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(opts.signal!.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = new PullProgress(opts.progressTimeoutMs ?? DEFAULT_PULL_PROGRESS_TIMEOUT_MS, (stalled) => cancel.abort(stalled), opts.clock ?? systemClock);
  try {
    const downloads = new Semaphore(opts.maxConcurrentDownloads ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS);
    return await fetchImage(ref, deps, creds, platform, { signal: cancel.signal, progress }, downloads, (err) => cancel.abort(err));
  } catch (err) {
    // Whatever a cancelled request failed with, the cause is the cancellation (or the
    // first failure, which cancels the rest).
    throw cancel.signal.aborted ? cancel.signal.reason : err;
  } finally {
    progress.stop();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function fetchImage(ref: ImageRef, deps: { registry: RegistryClient; content: ContentStore }, creds: Credentials | undefined, platform: Platform, io: Required<RequestIo>, downloads: Semaphore, stop: (err: unknown) => void): Promise<PulledImage> {
  io.signal.throwIfAborted();
  const name = formatReference(ref);
  const top = await deps.registry.manifest(ref, ref.digest ?? ref.tag ?? 'latest', creds, io);
  let manifestDigest = top.digest;
  let body = top.body;
  if (top.mediaType === MediaType.OciIndex || top.mediaType === MediaType.DockerList) {
    const index = parseJson(body, `${name}: index ${top.digest}`) as Index;
    const chosen = choosePlatform(index, platform);
    if (!chosen) throw new RegistryError(`${name}: no manifest for ${platform.os}/${platform.architecture} in the index`, 404, 'MANIFEST_UNKNOWN');
    checkDescriptor(chosen, `${name}: index ${top.digest}: manifest for ${platform.os}/${platform.architecture}`, MAX_MANIFEST_BYTES);
    const m = await deps.registry.manifest(ref, chosen.digest, creds, { size: chosen.size, ...io });
    manifestDigest = m.digest;
    body = m.body;
  }
  const manifest = parseJson(body, `${name}: manifest ${manifestDigest}`) as Manifest;
  if (!manifest || typeof manifest !== 'object' || !manifest.config || !Array.isArray(manifest.layers)) throw new RegistryError(`${name}: manifest ${manifestDigest} has no config or layers`, 502, 'MANIFEST_INVALID');
  // Every digest goes into a URL and a path, and every size bounds a download: all are
  // checked before anything is fetched.
  checkDescriptor(manifest.config, `${name}: manifest ${manifestDigest}: config`, MAX_MANIFEST_BYTES);
  manifest.layers.forEach((l, i) => checkDescriptor(l, `${name}: manifest ${manifestDigest}: layer ${i}`));
  for (const l of manifest.layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new RegistryError(`${name}: layer ${l.digest} has unsupported media type ${l.mediaType}`, 415, 'UNSUPPORTED');
  }
  await deps.content.ingest(manifestDigest, async () => Readable.from([body]));
  const blobs = [manifest.config, ...manifest.layers];
  // The first failure stops the other downloads; the pull settles only when all have, so
  // nothing is still being written when the caller collects what the pull left.
  const fetched = await Promise.allSettled(blobs.map((d) => downloads.run(() => deps.content.ingest(d.digest, () => deps.registry.blob(ref, d.digest, creds, io), d.size, io.signal), io.signal).catch((err: unknown) => {
    stop(err);
    throw err;
  })));
  for (const r of fetched) if (r.status === 'rejected') throw r.reason;
  const config = parseJson(await deps.content.read(manifest.config.digest), `${name}: config ${manifest.config.digest}`) as ImageConfig;
  return {
    repoDigest: `${repoName(ref)}@${top.digest}`,
    manifestDigest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers,
    size: blobs.reduce((sum, d) => sum + (d.size ?? 0), 0),
  };
}

/** Refuses a descriptor whose digest is not a sha256 digest ("v1" would fetch a mutable tag,
 *  "../../other/manifests/v1" another repository) or whose size is not a byte count up to max. */
function checkDescriptor(d: Descriptor, what: string, max = Number.MAX_SAFE_INTEGER): void {
  if (!d || typeof d !== 'object') throw new RegistryError(`${what}: not a descriptor`, 502, 'MANIFEST_INVALID');
  if (!isDigest(d.digest)) throw new RegistryError(`${what}: "${String(d.digest).slice(0, 200)}" is not a sha256 digest (sha256:<64 lowercase hex>)`, 502, 'DIGEST_INVALID');
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError(`${what}: size ${String(d.size).slice(0, 40)} is not a byte count`, 502, 'MANIFEST_INVALID');
  if (d.size > max) throw new RegistryError(`${what}: rejecting ${d.size} bytes, the limit is ${max}`, 404, 'MANIFEST_TOO_LARGE');
}

export function choosePlatform(index: Index, want: Platform): Descriptor | undefined {
  const entries = Array.isArray(index?.manifests) ? index.manifests : [];
  const candidates = entries.filter((m) => m && typeof m === 'object' && m.platform?.os === want.os && m.platform?.architecture === want.architecture);
  return candidates.find((m) => !want.variant || m.platform?.variant === want.variant) ?? candidates[0];
}
