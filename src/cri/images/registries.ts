// registries.yaml, as k3s reads it (rancher/wharfie's Registry): which endpoints serve
// which registry (mirrors, with repository rewrites) and how to talk to each endpoint host
// (configs: credentials and TLS). Parsing is pure: file contents in, a checked config out,
// every mistake reported with the field it is in. Reading the TLS files is registry-hosts.ts's.
import { parseDocument } from 'yaml';
import { isLocalRegistry } from './reference.js';

/** Credentials for one endpoint host, as the CRI's AuthConfig carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 of 'username:password'. */
  auth?: string;
  identityToken?: string;
}

export interface RegistryTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify: boolean;
}

export interface RegistryHostConfig {
  auth?: RegistryAuth;
  tls?: RegistryTls;
}

export interface Rewrite {
  /** The pattern as written (for messages). */
  source: string;
  pattern: RegExp;
  /** Go's regexp template: $1, ${1}, $name, ${name}, $$. */
  replacement: string;
}

/** A mirror endpoint, normalized as k3s writes it into containerd's hosts.toml. */
export interface EndpointAddress {
  scheme: 'http' | 'https';
  /** Where requests go: 'host[:port]' ('docker.io' becomes 'registry-1.docker.io'). */
  host: string;
  /** The name its `configs` entry is looked up by: the host as written ('docker.io' for
   *  registry-1.docker.io). */
  configName: string;
  /** The API root's path: '/v2', or the endpoint's own path used as is (containerd's
   *  override_path) when it has one other than '', '/' or '/v2'. */
  path: string;
}

export interface Mirror {
  endpoints: EndpointAddress[];
  /** Applied in file order; the first pattern that matches the repository rewrites it. */
  rewrites: Rewrite[];
}

export interface RegistriesConfig {
  /** By registry host as it appears in image names ('docker.io', 'registry.k8s.io'), or
   *  '*': the mirror of every registry without its own entry. */
  mirrors: ReadonlyMap<string, Mirror>;
  /** By endpoint host ('host[:port]'), or '*'. */
  configs: ReadonlyMap<string, RegistryHostConfig>;
}

export const NO_REGISTRIES: RegistriesConfig = { mirrors: new Map(), configs: new Map() };

/** A registries file that cannot be used; the message names the file and the field. */
export class RegistriesConfigError extends Error {
  override readonly name = 'RegistriesConfigError';
}

/**
 * Parses and checks registries.yaml text. Unknown fields are ignored, as k3s ignores them,
 * but each one is named in `warnings` (a misspelt `endpoints:` would otherwise silently
 * send every pull upstream). Throws RegistriesConfigError naming `source` and the field:
 * not YAML, a wrong type, an endpoint that is not an http(s) URL, a rewrite pattern that
 * is not a regular expression, a client certificate without its key.
 */
export function parseRegistries(text: string, source = 'registries.yaml'): { config: RegistriesConfig; warnings: string[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new RegistriesConfigError(`${source}: not valid YAML: ${doc.errors[0]!.message}`);
  const root: unknown = doc.toJS({ mapAsMap: true });
  const warnings: string[] = [];
  const at = new Fields(source, warnings);
  if (root === null || root === undefined) return { config: NO_REGISTRIES, warnings };
  const top = at.map(root, '');
  at.unknown(top, '', ['mirrors', 'configs']);
  const mirrors = new Map<string, Mirror>();
  for (const [name, raw] of at.entries(top.get('mirrors'), 'mirrors')) {
    const field = `mirrors.${quote(name)}`;
    if (name !== '*') at.registryName(name, field);
    mirrors.set(name, mirror(at, raw, field, warnings));
  }
  const configs = new Map<string, RegistryHostConfig>();
  for (const [name, raw] of at.entries(top.get('configs'), 'configs')) {
    const field = `configs.${quote(name)}`;
    if (name !== '*') at.registryName(name, field);
    configs.set(name, hostConfig(at, raw, field));
  }
  return { config: { mirrors, configs }, warnings };
}

function mirror(at: Fields, raw: unknown, field: string, warnings: string[]): Mirror {
  const m = at.map(raw, field);
  at.unknown(m, field, ['endpoint', 'rewrite']);
  const endpoints: EndpointAddress[] = [];
  const seen = new Set<string>();
  at.list(m.get('endpoint'), `${field}.endpoint`).forEach((e, i) => {
    const f = `${field}.endpoint[${i}]`;
    const ep = endpointAddress(at.string(e, f), (why) => at.fail(f, why));
    const url = `${ep.scheme}://${ep.host}${ep.path}`;
    // As k3s: a repeated endpoint is dropped, with a warning.
    if (seen.has(url)) warnings.push(`${at.source}: ${f}: ${url} is listed twice; the repeat is ignored`);
    else endpoints.push(ep);
    seen.add(url);
  });
  const rewrites = at.entries(m.get('rewrite'), `${field}.rewrite`).map(([pattern, replacement]): Rewrite => {
    const f = `${field}.rewrite.${quote(pattern)}`;
    let compiled: RegExp;
    try {
      compiled = goRegExp(pattern);
    } catch (err) {
      return at.fail(f, `not a regular expression: ${(err as Error).message}`);
    }
    return { source: pattern, pattern: compiled, replacement: at.string(replacement, f) };
  });
  return { endpoints, rewrites };
}

function hostConfig(at: Fields, raw: unknown, field: string): RegistryHostConfig {
  const c = at.map(raw, field);
  at.unknown(c, field, ['auth', 'tls']);
  const out: RegistryHostConfig = {};
  if (c.get('auth') !== undefined && c.get('auth') !== null) {
    const f = `${field}.auth`;
    const a = at.map(c.get('auth'), f);
    at.unknown(a, f, ['username', 'password', 'auth', 'identitytoken']);
    const auth: RegistryAuth = {};
    const username = at.optionalString(a.get('username'), `${f}.username`);
    const password = at.optionalString(a.get('password'), `${f}.password`);
    const encoded = at.optionalString(a.get('auth'), `${f}.auth`);
    const identityToken = at.optionalString(a.get('identitytoken'), `${f}.identitytoken`);
    if (username !== undefined) auth.username = username;
    if (password !== undefined) auth.password = password;
    if (encoded !== undefined) auth.auth = encoded;
    if (identityToken !== undefined) auth.identityToken = identityToken;
    out.auth = auth;
  }
  if (c.get('tls') !== undefined && c.get('tls') !== null) {
    const f = `${field}.tls`;
    const t = at.map(c.get('tls'), f);
    at.unknown(t, f, ['ca_file', 'cert_file', 'key_file', 'insecure_skip_verify']);
    const tls: RegistryTls = { insecureSkipVerify: at.optionalBoolean(t.get('insecure_skip_verify'), `${f}.insecure_skip_verify`) ?? false };
    const caFile = at.optionalString(t.get('ca_file'), `${f}.ca_file`);
    const certFile = at.optionalString(t.get('cert_file'), `${f}.cert_file`);
    const keyFile = at.optionalString(t.get('key_file'), `${f}.key_file`);
    if ((certFile === undefined) !== (keyFile === undefined)) at.fail(f, 'cert_file and key_file go together: a client certificate needs its key');
    if (caFile !== undefined) tls.caFile = caFile;
    if (certFile !== undefined) tls.certFile = certFile;
    if (keyFile !== undefined) tls.keyFile = keyFile;
    out.tls = tls;
  }
  return out;
}

/**
 * An endpoint as k3s normalizes it for hosts.toml: no scheme means https, except a
 * loopback host on a port other than 443 (http); 'docker.io' is registry-1.docker.io; a
 * path other than '', '/' or '/v2' is the API root itself. Calls fail(why) when the text
 * is not an http(s) URL with a host.
 */
export function endpointAddress(text: string, fail: (why: string) => never): EndpointAddress {
  let url: URL;
  const schemeGiven = text.includes('://');
  try {
    url = new URL(schemeGiven ? text : `https://${text}`);
  } catch {
    return fail(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`"${text}": only http:// and https:// endpoints are supported`);
  if (!url.hostname) return fail(`"${text}" has no host`);
  if (url.username || url.password) return fail(`"${text}": credentials go in configs.<host>.auth, not in the URL`);
  if (url.search || url.hash) return fail(`"${text}": an endpoint has no query or fragment`);
  // URL drops a scheme's default port; the host as written keeps it for configs lookups.
  const written = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]+)/i.exec(text)![1]!.toLowerCase();
  const port = /:(\d+)$/.exec(written)?.[1];
  const scheme = schemeGiven ? (url.protocol === 'http:' ? 'http' : 'https') : isLocalRegistry(written) && port !== undefined && port !== '443' ? 'http' : 'https';
  const host = written === 'docker.io' ? 'registry-1.docker.io' : written;
  const configName = host === 'registry-1.docker.io' ? 'docker.io' : written;
  const path = ['', '/', '/v2', '/v2/'].includes(url.pathname) ? '/v2' : url.pathname.replace(/\/+$/, '');
  return { scheme, host, configName, path };
}

/**
 * A pattern written for Go's regexp (RE2) as a JavaScript RegExp: leading flags `(?i)`,
 * `(?s)`, `(?m)` become flags, `(?P<name>` is `(?<name>`, `\A` and `\z` are `^` and `$`
 * (JavaScript's `$` without the m flag is the end of text, as `\z`). Throws SyntaxError
 * for what JavaScript cannot read (and for the U flag, which it has no equivalent of).
 */
export function goRegExp(pattern: string): RegExp {
  let flags = 'g';
  let body = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead) {
    if (lead[1]!.includes('U')) throw new SyntaxError('the U (ungreedy) flag has no JavaScript equivalent');
    flags += [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  // Escapes are walked as pairs, so '\\A' (a backslash, then A) stays what it is.
  body = body.replace(/\\(.)|\(\?P</gs, (whole, escaped?: string) => {
    if (escaped === undefined) return '(?<';
    if (escaped === 'A') return '^';
    if (escaped === 'z') return '$';
    return whole;
  });
  return new RegExp(body, flags);
}

/** `docker.io` stays bare in field names; a name with dots or colons is quoted. */
function quote(name: string): string {
  return /^[\w-]+$/.test(name) ? name : JSON.stringify(name);
}

/** Type checks that name the field they are about. */
class Fields {
  constructor(readonly source: string, private readonly warnings: string[]) {}

  fail(field: string, why: string): never {
    throw new RegistriesConfigError(`${this.source}: ${field || 'the document'}: ${why}`);
  }

  map(v: unknown, field: string): Map<unknown, unknown> {
    if (v instanceof Map) return v;
    return this.fail(field, `must be a mapping, not ${describe(v)}`);
  }

  /** A mapping's entries with string keys; absent or null is empty, as in Go's yaml. */
  entries(v: unknown, field: string): [string, unknown][] {
    if (v === undefined || v === null) return [];
    return [...this.map(v, field)].map(([k, value]) => {
      if (typeof k !== 'string' || !k) return this.fail(field, `keys must be non-empty strings, not ${describe(k)}`);
      return [k, value];
    });
  }

  list(v: unknown, field: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    return this.fail(field, `must be a list, not ${describe(v)}`);
  }

  string(v: unknown, field: string): string {
    if (typeof v === 'string') return v;
    return this.fail(field, `must be a string, not ${describe(v)}`);
  }

  optionalString(v: unknown, field: string): string | undefined {
    return v === undefined || v === null ? undefined : this.string(v, field);
  }

  optionalBoolean(v: unknown, field: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    return this.fail(field, `must be true or false, not ${describe(v)}`);
  }

  /** A registry or endpoint host as image names carry it: 'host[:port]', no scheme or path. */
  registryName(name: string, field: string): void {
    if (!/^[a-zA-Z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(name)) this.fail(field, `"${name}" is not a registry host ('host[:port]' as in image names, or '*')`);
  }

  unknown(m: Map<unknown, unknown>, field: string, known: readonly string[]): void {
    for (const k of m.keys()) {
      if (typeof k !== 'string' || !known.includes(k)) this.warnings.push(`${this.source}: ${field ? `${field}.` : ''}${String(k)}: unknown field, ignored (known: ${known.join(', ')})`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a mapping';
  if (typeof v === 'string') return `the string "${v.slice(0, 60)}"`;
  return `${typeof v} ${String(v).slice(0, 60)}`;
}
