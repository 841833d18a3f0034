import { createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { dict, type Dict } from '../../own-keys.js';
import { isDigest, sha256 } from './content.js';
import type { PullProgress } from './limits.js';
import type { ImageRef } from './reference.js';
import { defaultRegistryHosts, type RegistryHosts, type RoutedEndpoint } from './registry-hosts.js';
import { trace } from '../../trace.js';

// The pull side of the OCI distribution API (v2): manifests and blobs, with the
// authentication dance registries use: anonymous, basic, or a bearer token fetched from
// the realm a 401's WWW-Authenticate names (with the credentials, when given).

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
/** The largest manifest, index or image config accepted: containerd's MaxManifestSize
 *  (remotes/docker/resolver.go, `4 * 1048 * 1048`, sic: 4,393,216 bytes). */
export const MAX_MANIFEST_BYTES = 4 * 1048 * 1048;
/** A token response is a few KB of JSON; a hostile realm does not get to send more. */
const MAX_TOKEN_BYTES = 1 << 20;
const TAG = /^[\w][\w.-]{0,127}$/;
const log = trace('images');
const ACCEPT = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerList, MediaType.DockerManifest].join(', ');

/** CRI AuthConfig, as the kubelet passes it. */
export interface Credentials {
  username?: string;
  password?: string;
  /** base64 of 'username:password'. */
  auth?: string;
  identityToken?: string;
  registryToken?: string;
  /** The registry these are for ('https://reg.example/v1/' or 'reg.example'): when set, they
   *  go to an endpoint of that host only. */
  serverAddress?: string;
}

export interface RegistryOptions {
  /** The endpoints each image is pulled from, in order (registries.yaml's mirrors and
   *  configs); default: the image's own registry, plain HTTP for loopback. */
  hosts?: RegistryHosts;
  /** For endpoints without TLS settings of their own; default the global fetch. */
  fetch?: typeof fetch;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

/** What a pull brings to each of its requests. */
export interface RequestIo {
  /** Aborts the request and its body; the request rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told when each request starts and ends and of every byte of its body. */
  progress?: PullProgress;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export class RegistryClient {
  /** Authorization headers that worked, by registry, scope and the credentials that got
   *  them (see credentialKey): a caller only ever sends what its own credentials earned. */
  private readonly tokens = new Map<string, string>();
  /** Keys credentialKey's HMAC, so the map's keys say nothing about the secrets. */
  private readonly keySecret = randomBytes(32);
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: RegistryOptions = {}) {
    this.fetch = opts.fetch ?? fetch;
  }

  /**
   * A manifest or index by tag or digest; by digest, the bytes are checked against it.
   * Reading stops past `size` (a descriptor's) or MAX_MANIFEST_BYTES. Rejects with a
   * RegistryError: 400 MANIFEST_INVALID for a reference that is neither tag nor digest (it
   * would go into the URL), 404 MANIFEST_TOO_LARGE for a body over the limit (as
   * containerd), 502 DIGEST_INVALID for bytes that do not match the digest or the size, or
   * what request() rejects with.
   */
  async manifest(ref: ImageRef, reference: string, creds?: Credentials, opts: { size?: number } & RequestIo = {}): Promise<FetchedManifest> {
    if (!isDigest(reference) && !TAG.test(reference)) throw new RegistryError(`${ref.registry}/${ref.repository}: "${reference}" is neither a tag nor a sha256 digest`, 400, 'MANIFEST_INVALID');
    const max = Math.min(opts.size ?? MAX_MANIFEST_BYTES, MAX_MANIFEST_BYTES);
    const res = await this.request(ref, `manifests/${reference}`, creds, { accept: ACCEPT }, opts);
    const what = `${ref.registry}/${ref.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    // `size` is what the registry declared; unknown when it sent more than max unasked.
    const tooLarge = (size?: number) => {
      const sent = size === undefined ? `more than ${max}` : String(size);
      return opts.size !== undefined && opts.size < MAX_MANIFEST_BYTES
        ? new RegistryError(`manifest ${what}: the registry sent ${sent} bytes where its descriptor gives ${opts.size}`, 502, 'DIGEST_INVALID')
        : new RegistryError(`rejecting ${size === undefined ? '' : `${size} byte `}manifest for ${what}: ${size === undefined ? `more than ${max} bytes, the limit` : `the limit is ${max} bytes`}`, 404, 'MANIFEST_TOO_LARGE');
    };
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await res.body?.cancel();
      throw tooLarge(declared);
    }
    const body = await readAtMost(res, max, () => tooLarge());
    const digest = sha256(body);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(`manifest ${reference} of ${ref.repository}: the registry sent bytes whose digest is ${digest}`, 502, 'DIGEST_INVALID');
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || (parseJson(body, `manifest ${reference} of ${ref.repository}`) as { mediaType?: string }).mediaType || MediaType.OciManifest;
    return { digest, mediaType, body };
  }

  /** A blob as a stream (the caller verifies its digest while storing it). */
  async blob(ref: ImageRef, digest: string, creds?: Credentials, io: RequestIo = {}): Promise<Readable> {
    if (!isDigest(digest)) throw new RegistryError(`${ref.registry}/${ref.repository}: blob "${digest}" is not a sha256 digest`, 400, 'DIGEST_INVALID');
    const res = await this.request(ref, `blobs/${digest}`, creds, { accept: '*/*' }, io);
    if (!res.body) throw new RegistryError(`blob ${digest}: empty response`, res.status);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /**
   * GET path below each endpoint of ref in turn (registries.yaml's order), returning the
   * first success. As containerd's resolver and fetcher, any failure (unreachable, refused,
   * 404, 401) moves on to the next endpoint; when all fail, the first failure other than a
   * 404 decides the status (404 when every endpoint lacked it), and the message lists what
   * each endpoint said. Rejects with RegistryError, or the signal's reason once aborted.
   */
  private async request(ref: ImageRef, path: string, creds: Credentials | undefined, headers: Record<string, string>, io: RequestIo): Promise<Response> {
    const endpoints = (this.opts.hosts ?? defaultRegistryHosts)(ref);
    const failures: RegistryError[] = [];
    for (const ep of endpoints) {
      try {
        return await this.requestAt(ep, ref, path, creds, headers, io);
      } catch (err) {
        if (io.signal?.aborted) throw io.signal.reason;
        if (!(err instanceof RegistryError)) throw err;
        log(() => `${ref.registry}/${ref.repository} ${path}: ${err.message}; trying the next endpoint`);
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0]!;
    const decisive = failures.find((f) => f.status !== 404) ?? failures[0];
    if (!decisive) throw new RegistryError(`${ref.registry}/${ref.repository}: no endpoint to pull from (every one is a mirror and the default endpoint is disabled)`, 404, 'NAME_UNKNOWN');
    throw new RegistryError(`${ref.registry}/${ref.repository} ${path.replace(/^(manifests|blobs)\//, '$1 ')}: no endpoint served it: ${failures.map((f) => f.message).join('; ')}`, decisive.status, decisive.code);
  }

  private async requestAt(ep: RoutedEndpoint, ref: ImageRef, path: string, callerCreds: Credentials | undefined, headers: Record<string, string>, io: RequestIo): Promise<Response> {
    const url = `${ep.root}/${ep.repository}/${path}`;
    const where = endpointName(ep, ref);
    // As containerd's CRI (ParseAuth): the caller's credentials when it gave some, but only
    // to the host its serverAddress names (another endpoint is asked anonymously); without
    // any, the endpoint's configs auth.
    const creds: Credentials | undefined = callerCreds ? (addressedTo(callerCreds, ep.host) ? callerCreds : undefined) : ep.config?.auth;
    const fetcher = ep.fetch ?? this.fetch;
    const scope = `repository:${ep.repository}:pull`;
    const cacheKey = `${ep.host} ${scope} ${this.credentialKey(creds)}`;
    const attempt = (authorization?: string) => this.send(fetcher, url, { headers: { ...headers, ...(authorization ? { authorization } : {}) }, redirect: 'follow' }, io, `cannot reach ${where}`);
    const cached = this.tokens.get(cacheKey);
    let res = await attempt(cached ?? (creds?.registryToken ? `Bearer ${creds.registryToken}` : undefined));
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
      await res.body?.cancel();
      const authorization = challenge?.scheme === 'basic' ? basic(creds, where) : challenge?.scheme === 'bearer' ? await this.token(fetcher, challenge.params, scope, creds, where, io) : undefined;
      if (!authorization) throw new RegistryError(`${where} asks for authentication (${res.headers.get('www-authenticate') ?? 'no challenge'}) and no usable credentials were given`, 401, 'UNAUTHORIZED');
      res = await attempt(authorization);
      if (res.status === 401 || res.status === 403) this.tokens.delete(cacheKey);
      else this.tokens.set(cacheKey, authorization);
    }
    if (!res.ok) throw await errorOf(res, ref, ep, path);
    return res;
  }

  /** Who is asking: 'anonymous', or an HMAC of every credential field, so two callers share
   *  a cached token only when they hold the same credentials. */
  private credentialKey(creds: Credentials | undefined): string {
    if (!creds) return 'anonymous';
    const fields = [creds.username, creds.password, creds.auth, creds.identityToken, creds.registryToken, creds.serverAddress].map((f) => f ?? '');
    return createHmac('sha256', this.keySecret).update(JSON.stringify(fields)).digest('hex');
  }

  /**
   * fetch, with io's signal, and the response's body counted into io's progress (the
   * request ends there when the body ends, fails or is cancelled). Rejects with the
   * signal's reason once it aborted, or RegistryError UNREACHABLE (`unreachable`: cause).
   */
  private async send(fetcher: typeof fetch, url: string | URL, init: RequestInit, io: RequestIo, unreachable: string): Promise<Response> {
    const end = io.progress?.begin();
    let res: Response;
    try {
      res = await fetcher(url, { ...init, ...(io.signal ? { signal: io.signal } : {}) });
    } catch (err) {
      end?.();
      if (io.signal?.aborted) throw io.signal.reason;
      throw new RegistryError(`${unreachable}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, 0, 'UNREACHABLE');
    }
    if (!end || !io.progress) return res;
    if (!res.body || [101, 204, 205, 304].includes(res.status)) {
      end();
      return res;
    }
    const progress = io.progress;
    const reader = res.body.getReader();
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else {
            progress.received(value.length);
            controller.enqueue(value);
          }
        } catch (err) {
          end();
          controller.error(io.signal?.aborted ? io.signal.reason : err);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  private async token(fetcher: typeof fetch, params: Dict<string>, scope: string, creds: Credentials | undefined, registry: string, io: RequestIo): Promise<string> {
    if (!params.realm) throw new RegistryError(`${registry}: bearer challenge without a realm`, 401, 'UNAUTHORIZED');
    const url = new URL(params.realm);
    const unreachable = `token service ${url.origin} unreachable`;
    let res: Response | undefined;
    // An identity token (registries.yaml identitytoken, CRI identityToken) is an OAuth2
    // refresh token, swapped by POST as containerd does (client_id containerd-client); a
    // realm without the POST endpoint (404, 405) gets it as basic's password, as containerd falls back.
    const refresh = creds?.username ? undefined : creds?.identityToken;
    if (refresh) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: 'containerd-client', scope: params.scope ?? scope, ...(params.service ? { service: params.service } : {}) });
      res = await this.send(fetcher, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, io, unreachable);
      if (res.status === 404 || res.status === 405) {
        await res.body?.cancel();
        res = undefined;
      }
    }
    if (!res) {
      if (params.service) url.searchParams.set('service', params.service);
      url.searchParams.set('scope', params.scope ?? scope);
      const authorization = refresh ? `Basic ${Buffer.from(`:${refresh}`).toString('base64')}` : basic(creds, registry, false);
      res = await this.send(fetcher, url, { headers: authorization ? { authorization } : {} }, io, unreachable);
    }
    if (!res.ok) await res.body?.cancel();
    if (!res.ok) throw new RegistryError(`token service for ${registry} refused: HTTP ${res.status}`, res.status === 401 || res.status === 403 ? 401 : res.status, 'UNAUTHORIZED');
    const body = parseJson(await readAtMost(res, MAX_TOKEN_BYTES, () => new RegistryError(`token service for ${registry} sent more than ${MAX_TOKEN_BYTES} bytes`, 502, 'UNAUTHORIZED')), `token of ${registry}`) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`token service for ${registry} sent no token`, 502, 'UNAUTHORIZED');
    return `Bearer ${token}`;
  }
}

/** The body, read chunk by chunk and cut off (connection closed) past max bytes. */
async function readAtMost(res: Response, max: number, tooLarge: () => Error): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
}

/** JSON from a registry; a body that is not JSON is the registry's fault (502). */
export function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new RegistryError(`${what} is not JSON: ${(err as Error).message}`, 502, 'MANIFEST_INVALID');
  }
}

function basic(creds: Credentials | undefined, registry: string, required = true): string | undefined {
  const pair = creds?.auth ? Buffer.from(creds.auth, 'base64').toString('utf8') : creds?.username !== undefined ? `${creds.username}:${creds.password ?? ''}` : undefined;
  if (pair === undefined) {
    if (required) throw new RegistryError(`${registry} asks for basic authentication and no credentials were given`, 401, 'UNAUTHORIZED');
    return undefined;
  }
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

/** 'Bearer realm="https://auth",service="reg",scope="repository:x:pull"' -> parts. The
 *  parameter names are the registry's, so they go into an object with no prototype. */
export function parseChallenge(header: string): { scheme: string; params: Dict<string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params = dict<string>();
  for (const p of m[2]!.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase(), params };
}

async function errorOf(res: Response, ref: ImageRef, ep: RoutedEndpoint, path: string): Promise<RegistryError> {
  let code: string | undefined;
  let detail = '';
  try {
    // As containerd (remotes/errors): at most 64 KB of an error body is read.
    const body = JSON.parse((await readAtMost(res, 64_000, () => new Error('error body too long'))).toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    code = body.errors?.[0]?.code;
    detail = body.errors?.map((e) => `${e.code}: ${e.message}`).join('; ') ?? '';
  } catch {}
  const what = `${ref.registry}/${ref.repository} ${path.replace(/^(manifests|blobs)\//, '$1 ')}${ep.mirror ? ` from mirror ${ep.root}/${ep.repository}` : ''}`;
  return new RegistryError(`${what}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`, res.status, code);
}

/** Whether creds may go to host: always, unless their serverAddress names another host.
 *  Kinder than containerd's url.Parse in two ways: a bare 'host[:port]' names that host
 *  (containerd finds no host in it and sends the credentials nowhere), and Docker Hub's
 *  names (docker config's https://index.docker.io/v1/) are one host. */
function addressedTo(creds: Credentials, host: string): boolean {
  const address = creds.serverAddress;
  if (!address) return true;
  const hub = (h: string) => (h === 'index.docker.io' || h === 'docker.io' ? 'registry-1.docker.io' : h);
  try {
    return hub(new URL(address.includes('://') ? address : `https://${address}`).host) === hub(host);
  } catch {
    return false;
  }
}

/** 'registry 127.0.0.1:5000', or 'mirror 10.0.0.1:5000 of registry.k8s.io'. */
function endpointName(ep: RoutedEndpoint, ref: ImageRef): string {
  return ep.mirror ? `mirror ${ep.host} of ${ref.registry}` : `registry ${ref.registry}`;
}
