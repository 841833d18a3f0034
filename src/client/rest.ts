// The HTTPS transport every client shares: one keep-alive Agent per cluster, JSON in and out,
// the bearer token (re-read from its file at most once a minute, as client-go's cached token
// source does) and errors turned into ApiStatusError. Streams (watch) get the response lines.
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Status } from '../api/types.js';
import type { Clock } from '../host/clock.js';
import type { Files } from '../host/files/types.js';
import { ApiStatusError, statusFromHttp } from './errors.js';
import type { ClientConfig } from './kubeconfig.js';

export interface RestDeps {
  config: ClientConfig;
  clock: Clock;
  /** Reads config.tokenFile. */
  files: Files;
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute path from the server root, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** The body's media type (application/json when omitted). */
  contentType?: string;
  signal?: AbortSignal;
}

const TOKEN_FILE_TTL_MS = 60_000;

export class RestClient {
  readonly #agent: Agent;
  #token: { value: string; readAt: number } | undefined;

  constructor(private readonly deps: RestDeps) {
    const { ca, cert, key, insecureSkipTLSVerify } = deps.config;
    this.#agent = new Agent({
      keepAlive: true,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
      rejectUnauthorized: insecureSkipTLSVerify !== true,
    });
  }

  /** Sends the request and parses the JSON answer. Rejects with ApiStatusError for a non-2xx answer, with the socket's error otherwise. */
  async call<T>(req: RestRequest): Promise<T> {
    const res = await this.#send(req);
    const text = await readAll(res);
    if (text === '') return undefined as T;
    return JSON.parse(text) as T;
  }

  /**
   * Sends the request and yields each line of the answer (a watch stream). Ends when the server
   * closes the stream or the signal aborts; rejects with ApiStatusError for a non-2xx answer.
   */
  async *lines(req: RestRequest): AsyncGenerator<string> {
    let res: IncomingMessage;
    try {
      res = await this.#send(req);
    } catch (e) {
      if (req.signal?.aborted) return;
      throw e;
    }
    let buf = '';
    try {
      for await (const chunk of res) {
        buf += (chunk as Buffer).toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield line;
        }
      }
    } catch (e) {
      if (req.signal?.aborted) return;
      throw e;
    } finally {
      res.destroy();
    }
    if (buf.trim() && !req.signal?.aborted) yield buf.trim();
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #bearer(): Promise<string | undefined> {
    const { token, tokenFile } = this.deps.config;
    if (token) return token;
    if (!tokenFile) return undefined;
    const now = this.deps.clock.monotonic();
    if (!this.#token || now - this.#token.readAt >= TOKEN_FILE_TTL_MS) {
      this.#token = { value: (await this.deps.files.readText(tokenFile)).trim(), readAt: now };
    }
    return this.#token.value;
  }

  async #send(req: RestRequest): Promise<IncomingMessage> {
    const url = new URL(this.deps.config.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const data = req.body === undefined ? undefined : JSON.stringify(req.body);
    const token = await this.#bearer();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    if (data !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(data));
    }
    const options: RequestOptions = { method: req.method, agent: this.#agent, headers, ...(req.signal ? { signal: req.signal } : {}) };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = request(url, options, resolve);
      r.on('error', reject);
      r.end(data);
    });
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return res;
    throw new ApiStatusError(toStatus(code, await readAll(res)));
  }
}

function toStatus(code: number, text: string): Status {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status') {
      const status = body as Status;
      return { ...status, code: status.code ?? code };
    }
  } catch {
    // not JSON: a proxy's page or a plain-text error
  }
  return statusFromHttp(code, text);
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
