import { sha256 } from './content.js';
import type { Descriptor, ImageConfig, PulledImage } from './pull.js';

/** One pulled image, as the store keeps it (images.json) and the CRI reports it. */
export interface ImageRecord {
  /** The config digest, as containerd names images: 'sha256:…'. */
  id: string;
  /** Normalized 'registry/repo:tag' names that point here; a tag points at one image. */
  repoTags: string[];
  /** 'registry/repo@sha256:…' of what was pulled (the index or the manifest). */
  repoDigests: string[];
  /** Bytes of the config and the compressed layers. */
  size: number;
  /** The OCI image config: architecture, os, config (User, Env, Entrypoint, Cmd,
   *  WorkingDir, ExposedPorts, Volumes, StopSignal, Labels), rootfs.diff_ids. */
  config: ImageConfig;
  manifestDigest: string;
  /** Compressed layer blobs, bottom first. */
  layers: Descriptor[];
  /** Uncompressed layer digests, bottom first: the unpacked layer directories' names. */
  diffIds: string[];
  /** OCI chain IDs of the layer stack, bottom first (the last one names the whole rootfs). */
  chainIds: string[];
  /** From config.User: a numeric user is uid, a name is username (never both). */
  uid?: number;
  username: string;
  pinned: boolean;
}

export function recordOf(pulled: PulledImage, diffIds: string[]): ImageRecord {
  const { architecture, os, config, rootfs } = pulled.config;
  return {
    id: pulled.configDigest,
    repoTags: [],
    repoDigests: [pulled.repoDigest],
    size: pulled.size,
    config: { architecture, os, config, rootfs },
    manifestDigest: pulled.manifestDigest,
    layers: pulled.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    diffIds,
    chainIds: chainIds(diffIds),
    ...userOf(config?.User),
    pinned: false,
  };
}

/** containerd's getUserFromImage: 'uid[:gid]' is a uid, anything else a user name. */
export function userOf(user: string | undefined): { uid?: number; username: string } {
  const name = (user ?? '').split(':')[0]!;
  if (!name) return { username: '' };
  return /^\d+$/.test(name) ? { uid: Number(name), username: '' } : { username: name };
}

/** OCI image-spec: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + ' ' + DiffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}
