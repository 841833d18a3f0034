// Image references as the container runtimes read them (the docker "distribution
// reference" grammar): 'busybox' is docker.io/library/busybox:latest, a first component with
// a '.' or ':' or equal to 'localhost' is a registry host, '@sha256:...' pins a digest.
import ipaddr from 'ipaddr.js';
import { isDigest } from './content.js';

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
    if (!isDigest(digest)) throw new ReferenceError(`image reference "${text}": "${digest}" is not a sha256 digest`);
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

/**
 * Loopback registries are spoken to over plain HTTP, as docker and containerd do. As
 * containerd's docker.MatchLocalhost: `localhost`, or a host that parses as a loopback IP
 * (127.0.0.0/8 in dotted decimal, ::1, an IPv4-mapped 127.x), with an optional port; a
 * name such as `127.example.com` is not an address, and octal or short forms (`0177.1`)
 * are names too (Go's net.ParseIP refuses them).
 */
export function isLocalRegistry(registry: string): boolean {
  if (registry === '::1') return true; // a bare IPv6 address: the one containerd knows
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(registry);
  if (!m) return false;
  const host = m[1] ?? m[2]!;
  if (host === 'localhost') return true;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host).range() === 'loopback';
  if (m[1] && ipaddr.IPv6.isValid(host)) { // Go's SplitHostPort wants IPv6 in brackets
    const ip = ipaddr.IPv6.parse(host);
    return ip.range() === 'loopback' || (ip.isIPv4MappedAddress() && ip.toIPv4Address().range() === 'loopback');
  }
  return false;
}
