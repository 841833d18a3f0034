// fetch for a registry endpoint with its own TLS settings (registries.yaml configs.<host>.tls:
// a CA, a client certificate, or no verification). Node's global fetch takes no per-call CA
// and Node ships no way to make one that does, so this speaks node:https and answers with a
// web Response, as much of fetch as the registry client uses: GET (and a token POST with a
// string body) with headers, redirects
// followed (Authorization dropped when one leaves the origin, as fetch does), an abort signal,
// and failures as fetch's TypeError('fetch failed', { cause }).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface TlsMaterial {
  /** PEM CA certificates the server's chain must lead to (instead of the system's). */
  ca?: string;
  /** PEM client certificate and its key. */
  cert?: string;
  key?: string;
  insecureSkipVerify: boolean;
  /** Where the CA came from, for messages. */
  caFile?: string;
}

const MAX_REDIRECTS = 20;
/** OpenSSL's verification failures (the chain, not the connection). */
const VERIFY_CODES = /^(?:UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** A fetch whose https connections use `tls`; the agent keeps connections alive between pulls. */
export function tlsFetch(tls: TlsMaterial): typeof fetch {
  const agent = new Agent({
    keepAlive: true,
    rejectUnauthorized: !tls.insecureSkipVerify,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  });
  const get = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(input instanceof Request ? input.url : input);
    const headers = new Headers(init.headers);
    for (let hops = 0; ; hops++) {
      const body = typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : undefined;
      if (init.body !== undefined && init.body !== null && body === undefined) throw new TypeError('fetch failed', { cause: new Error('only string bodies are supported') });
      const res = await send(url, init.method ?? 'GET', headers, body, agent, tls, init.signal ?? undefined);
      const location = res.headers.location;
      if (init.redirect !== 'manual' && [301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && location) {
        res.resume();
        if (init.redirect === 'error' || hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error(`too many redirects from ${url.origin}`) });
        const next = new URL(location, url);
        if (next.origin !== url.origin) headers.delete('authorization');
        // As fetch: a 303, or a 301/302 after a POST, goes on as a GET without the body.
        if (res.statusCode === 303 || (init.method === 'POST' && (res.statusCode === 301 || res.statusCode === 302))) {
          init = { ...init, method: 'GET', body: null };
          headers.delete('content-type');
        }
        url = next;
        continue;
      }
      return toResponse(res);
    }
  };
  return get as typeof fetch;
}

function send(url: URL, method: string, headers: Headers, body: string | undefined, agent: Agent, tls: TlsMaterial, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    const options = { method, headers: Object.fromEntries(headers), ...(signal ? { signal } : {}) };
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, agent }) : httpRequest(url, options);
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) => {
      if (signal?.aborted) return reject(signal.reason);
      reject(new TypeError('fetch failed', { cause: describeTlsError(err, url, tls) }));
    });
    req.end(body);
  });
}

/** A certificate the endpoint's CA does not vouch for says so, and which CA was used. */
function describeTlsError(err: NodeJS.ErrnoException, url: URL, tls: TlsMaterial): Error {
  if (!err.code || !VERIFY_CODES.test(err.code)) return err;
  const trust = tls.caFile ? `the CA in ${tls.caFile}` : 'the system\'s CAs';
  return new Error(`tls: the certificate of ${url.host} is not trusted by ${trust}: ${err.message} (${err.code})`, { cause: err });
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 502;
  // A Response refuses a body with these statuses.
  const body = [101, 204, 205, 304].includes(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
  if (!body) res.resume();
  return new Response(body, { status: status < 200 || status > 599 ? 502 : status, statusText: res.statusMessage ?? '', headers });
}
