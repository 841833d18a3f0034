import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';

// A registry a test scripts response by response, on 127.0.0.1: it serves the manifests and
// blobs it is given, lets a test answer any request itself (endless bodies, stalls, lies),
// and records what the client did: every request with its authorization header, how many
// were in flight at once, and when the client hung up.

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const PLATFORM = { os: 'linux', architecture: 'amd64' };

export interface Seen {
  method: string;
  path: string;
  authorization?: string;
}

/** Answers a request itself when it returns true; the registry's own routes otherwise. */
export type Route = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

export interface HostileRegistry {
  /** '127.0.0.1:PORT' */
  host: string;
  seen: Seen[];
  /** Requests whose response has not ended and whose connection is open, now and at most. */
  inFlight: number;
  maxInFlight: number;
  /** Resolves when a client has closed a request the server had not finished answering. */
  hungUp: Promise<void>;
  /** Stores JSON (or bytes) under its digest and, when given, a tag; returns the descriptor. */
  put(body: object | Buffer, mediaType: string, tag?: string): { mediaType: string; digest: string; size: number };
  route?: Route;
  /** Blobs are answered after this many ms (so downloads that may overlap do). */
  blobDelayMs?: number;
}

export function digestOf(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Bearer auth as Docker Hub does it: the registry takes `Bearer tok-<user>` for users, the
 *  token realm (/token) swaps basic credentials for a token, or anyone for 'anonymous'. */
export interface BearerAuth {
  users: Record<string, string>;
  /** Identity (OAuth2 refresh) tokens and the user each stands for: the realm swaps one
   *  for that user's token by POST (grant_type=refresh_token), or, with `noOAuth`, only as
   *  basic's password with an empty user (a realm answering POST with 405). */
  refreshTokens?: Record<string, string>;
  noOAuth?: boolean;
}

/** A hostile registry stopped when the test ends. */
export async function startHostileRegistry(t: ExecutionContext, opts: { bearer?: BearerAuth } = {}): Promise<HostileRegistry> {
  const { reg, close } = await serveHostileRegistry(opts);
  t.teardown(close);
  return reg;
}

/** A hostile registry and how to stop it (closing every connection). */
export async function serveHostileRegistry(opts: { bearer?: BearerAuth; events?: (line: string) => void } = {}): Promise<{ reg: HostileRegistry; close: () => Promise<void> }> {
  const manifests = new Map<string, { body: Buffer; mediaType: string }>();
  const blobs = new Map<string, Buffer>();
  let hangUp!: () => void;
  const reg: HostileRegistry = {
    host: '',
    seen: [],
    inFlight: 0,
    maxInFlight: 0,
    hungUp: new Promise<void>((r) => (hangUp = r)),
    put(body, mediaType, tag) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const digest = digestOf(bytes);
      if (mediaType.includes('manifest') || mediaType.includes('index')) {
        manifests.set(digest, { body: bytes, mediaType });
        if (tag) manifests.set(tag, { body: bytes, mediaType });
      } else {
        blobs.set(digest, bytes);
      }
      return { mediaType, digest, size: bytes.length };
    },
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    reg.seen.push({ method: req.method ?? '', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    reg.inFlight++;
    reg.maxInFlight = Math.max(reg.maxInFlight, reg.inFlight);
    opts.events?.(JSON.stringify({ method: req.method, path, inFlight: reg.inFlight }));
    let done = false;
    const finish = () => {
      if (!done) reg.inFlight--;
      done = true;
    };
    res.once('finish', finish);
    res.once('close', () => {
      if (!res.writableFinished) {
        opts.events?.(JSON.stringify({ hungUp: path }));
        hangUp();
      }
      finish();
    });
    if (opts.bearer && path === '/token') return token(req, res, opts.bearer);
    if (opts.bearer && !authorized(req, opts.bearer)) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${reg.host}/token",service="hostile"`, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    if (reg.route?.(req, res, path)) return;
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    const found = m && (m[2] === 'manifests' ? manifests.get(m[3]!) : blobs.has(m[3]!) ? { body: blobs.get(m[3]!)!, mediaType: 'application/octet-stream' } : undefined);
    if (!found) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ errors: [{ code: m?.[2] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'unknown' }] }));
    }
    const answer = () => {
      res.writeHead(200, { 'content-type': found.mediaType, 'content-length': found.body.length });
      res.end(found.body);
    };
    if (m[2] === 'blobs' && reg.blobDelayMs) setTimeout(answer, reg.blobDelayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  reg.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return { reg, close };
}

function authorized(req: IncomingMessage, auth: BearerAuth): boolean {
  const m = /^Bearer tok-(.+)$/.exec(req.headers.authorization ?? '');
  return !!m && m[1]! in auth.users;
}

function token(req: IncomingMessage, res: ServerResponse, auth: BearerAuth): void {
  if (req.method === 'POST') {
    if (auth.noOAuth) {
      res.writeHead(405);
      return void res.end();
    }
    let form = '';
    req.on('data', (d: Buffer) => (form += d.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(form);
      const user = params.get('grant_type') === 'refresh_token' ? auth.refreshTokens?.[params.get('refresh_token') ?? ''] : undefined;
      res.writeHead(user ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user ? { access_token: `tok-${user}` } : { error: 'invalid_grant' }));
    });
    return;
  }
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  let tokenFor = 'anonymous';
  if (m) {
    const [user, ...rest] = Buffer.from(m[1]!, 'base64').toString().split(':');
    const refreshed = user === '' ? auth.refreshTokens?.[rest.join(':')] : undefined;
    if (refreshed) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ token: `tok-${refreshed}` }));
    }
    if (auth.users[user!] !== rest.join(':')) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end('{"details":"incorrect username or password"}');
    }
    tokenFor = user!;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token: `tok-${tokenFor}` }));
}

/** An image of `layers` (arbitrary bytes, typed gzip: nothing here unpacks them) with a
 *  config naming as many diff_ids, tagged `tag` in the registry. */
export function putImage(reg: HostileRegistry, tag: string, layers: Buffer[]): { manifest: ReturnType<HostileRegistry['put']>; layers: ReturnType<HostileRegistry['put']>[] } {
  const layerDescs = layers.map((l) => reg.put(l, LAYER_GZIP));
  const config = reg.put({ ...PLATFORM, rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.digest) } }, 'application/vnd.oci.image.config.v1+json');
  const manifest = reg.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: layerDescs }, OCI_MANIFEST, tag);
  return { manifest, layers: layerDescs };
}

/** Makes `path` answer with its headers and one byte, then a byte every 3 s (for 3,000 s:
 *  layers it serves are 1,000 bytes). */
export function trickle(reg: HostileRegistry, path: string): { asked: Promise<void> } {
  let asked!: () => void;
  const seen = new Promise<void>((r) => (asked = r));
  const prev = reg.route;
  reg.route = (req, res, p) => {
    if (p !== path) return prev?.(req, res, p) ?? false;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
    res.write('x');
    const timer = setInterval(() => res.write('x'), 3000);
    res.once('close', () => clearInterval(timer));
    asked();
    return true;
  };
  return { asked: seen };
}

/** A gzip'd tar of one regular file: a layer runtimes unpack; diffId is the tar's digest. */
export function tarLayer(name: string, content: string): { gz: Buffer; diffId: string } {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => header.write(value.slice(0, length), offset, 'ascii');
  field(name, 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  field('00000000000\0', 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  const sum = header.reduce((a, b) => a + b, 0);
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const tar = Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
  return { gz: gzipSync(tar), diffId: digestOf(tar) };
}

/** An image runtimes can unpack: one tarLayer per file name. */
export function putTarImage(reg: HostileRegistry, tag: string, files: string[]): ReturnType<HostileRegistry['put']> {
  const layers = files.map((f) => tarLayer(f, `${f}\n`));
  const layerDescs = layers.map((l) => reg.put(l.gz, LAYER_GZIP));
  const config = reg.put({ ...PLATFORM, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }, 'application/vnd.oci.image.config.v1+json');
  return reg.put({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: layerDescs }, OCI_MANIFEST, tag);
}
