// Where a pull of an image goes: a pure function of the image's registry and the
// registries config, in the order containerd tries its hosts.toml hosts.
import type { EndpointAddress, RegistriesConfig, RegistryHostConfig, Rewrite } from './registries.js';
import { isLocalRegistry, registryEndpoint, type ImageRef } from './reference.js';

export interface Endpoint {
  /** The API root, no trailing slash: 'https://mirror:5000/v2'. */
  root: string;
  /** 'host[:port]' the requests go to; names the endpoint in messages and token caches. */
  host: string;
  /** The repository at this endpoint (after the mirror's rewrites; never rewritten at the
   *  registry's own endpoint). */
  repository: string;
  /** The configs entry for this endpoint's host: credentials and TLS. */
  config?: RegistryHostConfig;
  /** False for the image's own registry (the default endpoint). */
  mirror: boolean;
}

export interface ResolveOptions {
  /** k3s's --disable-default-registry-endpoint: a registry with a mirror entry (its own or
   *  '*') is pulled from its mirror endpoints only, never from the registry itself. */
  disableDefaultEndpoint?: boolean;
}

/**
 * The endpoints to try for ref, in order: the endpoints of the registry's mirror entry
 * (or of '*' when it has none), then the registry itself, as containerd always falls back
 * to its default endpoint (k3s docs, "Default Endpoint Fallback"); an endpoint listed
 * twice (the registry's own URL among the mirrors) is tried once, where it is listed.
 * The registry itself is spoken to over plain HTTP when it is loopback (as containerd and
 * docker), otherwise over https; docker.io is registry-1.docker.io.
 */
export function resolveEndpoints(ref: ImageRef, config: RegistriesConfig, opts: ResolveOptions = {}): Endpoint[] {
  const own = config.mirrors.get(ref.registry);
  const mirror = own ?? config.mirrors.get('*');
  const out: Endpoint[] = (mirror?.endpoints ?? []).map((ep) => ({
    root: `${ep.scheme}://${ep.host}${ep.path}`,
    host: ep.host,
    repository: rewrite(ref.repository, mirror!.rewrites),
    ...optional(configFor(config, ep)),
    mirror: true,
  }));
  if (mirror && opts.disableDefaultEndpoint) return out;
  const host = registryEndpoint(ref.registry);
  const root = `${isLocalRegistry(ref.registry) ? 'http' : 'https'}://${host}/v2`;
  if (out.some((e) => e.root === root)) return out;
  // A registry with no entry of its own falls under '*' (containerd's _default host dir).
  const cfg = config.configs.get(host) ?? config.configs.get(ref.registry) ?? (own ? undefined : config.configs.get('*'));
  out.push({ root, host, repository: ref.repository, ...optional(cfg), mirror: false });
  return out;
}

/** As k3s's configForHost: the entry for the endpoint's host as requests go to it, then as written. */
function configFor(config: RegistriesConfig, ep: EndpointAddress): RegistryHostConfig | undefined {
  return config.configs.get(ep.host) ?? config.configs.get(ep.configName);
}

function optional(config: RegistryHostConfig | undefined): { config?: RegistryHostConfig } {
  return config ? { config } : {};
}

/**
 * The repository after the first rewrite whose pattern matches it (every match replaced,
 * as Go's ReplaceAllString); unchanged when none does. Replacement templates are Go's:
 * $1 and ${1} are groups by number, $name and ${name} by name, $$ is a dollar; a group
 * that does not exist is empty.
 */
export function rewrite(repository: string, rewrites: readonly Rewrite[]): string {
  for (const r of rewrites) {
    r.pattern.lastIndex = 0;
    if (!r.pattern.test(repository)) continue;
    r.pattern.lastIndex = 0;
    return repository.replace(r.pattern, (...args: unknown[]) => expand(r.replacement, args));
  }
  return repository;
}

/** Go's regexp.Expand over one match's replace() callback arguments. */
function expand(template: string, args: unknown[]): string {
  const last = args[args.length - 1];
  const named = typeof last === 'object' && last !== null ? new Map(Object.entries(last as Record<string, string | undefined>)) : undefined;
  const groups = args.slice(0, named ? -3 : -2) as (string | undefined)[];
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (_match, braced?: string, bare?: string) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    if (/^\d+$/.test(name)) return groups[Number(name)] ?? '';
    return named?.get(name) ?? '';
  });
}
