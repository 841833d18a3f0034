// Image references as the container runtimes read them (the docker "distribution
// reference" grammar): 'busybox' is docker.io/library/busybox:latest, a first component with
// a '.' or ':' or equal to 'localhost' is a registry host, '@sha256:...' pins a digest.

export interface ImageRef {
  /** Registry host as written, with the port: 'docker.io', '127.0.0.1:5000'. */
  registry: string;
  /** Repository path: 'library/busybox', 'skiff-test/httpd'. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_REGISTRY = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export class ReferenceError extends Error {
  override readonly name = 'ReferenceError';
}

export function parseReference(text: string): ImageRef {
  if (typeof text !== 'string' || !text) throw new ReferenceError('image reference is empty');
  if (text !== text.trim() || /\s/.test(text)) throw new ReferenceError(`image reference "${text}" contains whitespace`);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`image reference "${text}": "${digest}" is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`image reference "${text}": "${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DEFAULT_REGISTRY;
  const path = hasRegistry ? parts.slice(1) : parts;
  if (path.length === 0 || path.some((c) => !COMPONENT.test(c))) throw new ReferenceError(`image reference "${text}": repository "${path.join('/')}" must be lowercase components separated by '/'`);
  if (hasRegistry && !/^[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(first)) throw new ReferenceError(`image reference "${text}": "${first}" is not a registry host`);
  const repository = registry === DEFAULT_REGISTRY && path.length === 1 ? `library/${path[0]}` : path.join('/');
  if (repository.length > 255) throw new ReferenceError(`image reference "${text}": repository name longer than 255 characters`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), ...(tag === undefined && digest === undefined ? { tag: 'latest' } : {}) };
}

/** The fully qualified name without tag or digest: 'docker.io/library/busybox'. */
export function repoName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** 'docker.io/library/busybox:latest' or '...@sha256:...' (the digest wins over a tag). */
export function formatReference(ref: ImageRef): string {
  return ref.digest ? `${repoName(ref)}@${ref.digest}` : `${repoName(ref)}:${ref.tag ?? 'latest'}`;
}

/** Where the registry's API lives; docker.io's API host differs from its name. */
export function registryEndpoint(registry: string): string {
  return registry === DEFAULT_REGISTRY ? 'registry-1.docker.io' : registry;
}

/** Loopback registries are spoken to over plain HTTP, as docker and containerd do. */
export function isLocalRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
