import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ContentStore } from './content.js';
import { formatReference, repoName, type ImageRef } from './reference.js';
import { MediaType, RegistryClient, RegistryError, type Credentials } from './registry.js';

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

/**
 * Fetches an image into the content store: the manifest (the host platform's entry when
 * the reference names an index), its config and its layers, each checked against its
 * digest. Layers already present are not fetched again.
 */
export async function pullImage(ref: ImageRef, deps: { registry: RegistryClient; content: ContentStore }, creds?: Credentials, platform = hostPlatform()): Promise<PulledImage> {
  const top = await deps.registry.manifest(ref, ref.digest ?? ref.tag ?? 'latest', creds);
  let manifestDigest = top.digest;
  let body = top.body;
  if (top.mediaType === MediaType.OciIndex || top.mediaType === MediaType.DockerList) {
    const chosen = choosePlatform(JSON.parse(body.toString('utf8')) as Index, platform);
    if (!chosen) throw new RegistryError(`${formatReference(ref)}: no manifest for ${platform.os}/${platform.architecture} in the index`, 404, 'MANIFEST_UNKNOWN');
    const m = await deps.registry.manifest(ref, chosen.digest, creds);
    manifestDigest = m.digest;
    body = m.body;
  }
  const manifest = JSON.parse(body.toString('utf8')) as Manifest;
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new RegistryError(`${formatReference(ref)}: manifest ${manifestDigest} has no config or layers`, 502, 'MANIFEST_INVALID');
  for (const l of manifest.layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new RegistryError(`${formatReference(ref)}: layer ${l.digest} has unsupported media type ${l.mediaType}`, 415, 'UNSUPPORTED');
  }
  await deps.content.ingest(manifestDigest, async () => Readable.from([body]));
  const blobs = [manifest.config, ...manifest.layers];
  await Promise.all(blobs.map((d) => deps.content.ingest(d.digest, () => deps.registry.blob(ref, d.digest, creds), d.size)));
  const config = JSON.parse(await readFile(deps.content.path(manifest.config.digest), 'utf8')) as ImageConfig;
  return {
    repoDigest: `${repoName(ref)}@${top.digest}`,
    manifestDigest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers,
    size: blobs.reduce((sum, d) => sum + (d.size ?? 0), 0),
  };
}

export function choosePlatform(index: Index, want: Platform): Descriptor | undefined {
  const candidates = (index.manifests ?? []).filter((m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture);
  return candidates.find((m) => !want.variant || m.platform?.variant === want.variant) ?? candidates[0];
}
