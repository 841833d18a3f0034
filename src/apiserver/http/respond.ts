// Writing answers: objects in the negotiated format, every error as a Kubernetes Status with
// its code as the HTTP status, and reading bodies with upstream's 3 MiB request limit.
import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { ApiError, apiError, internalError, type Status } from '../status.js';
import type { Representation } from './negotiate.js';

export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** Writes `obj` with `code` (JSON unless YAML was negotiated). Never throws. */
export function writeObject(res: ServerResponse, code: number, obj: unknown, rep?: Representation): void {
  if (res.headersSent) { res.end(); return; }
  const yaml = rep?.format === 'yaml';
  const body = yaml ? toYaml(obj) : JSON.stringify(obj);
  res.writeHead(code, {
    'Content-Type': rep?.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, private',
  });
  res.end(body);
}

/** Any thrown value as a Status answer (500 for what is not an ApiError). Never throws. */
export function writeError(res: ServerResponse, err: unknown, log?: (msg: string) => void): void {
  const status: Status = err instanceof ApiError ? err.status : internalError((err as Error)?.message ?? String(err)).status;
  if (!(err instanceof ApiError)) log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) { res.end(); return; }
  if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  writeObject(res, status.code, status);
}

/** The request body, at most MAX_REQUEST_BYTES. Rejects ApiError 413 when larger, 400 on a broken stream. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => apiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_REQUEST_BYTES}`);
    if (declared > MAX_REQUEST_BYTES) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) { req.removeAllListeners('data'); req.resume(); reject(tooLarge()); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (e) => reject(apiError(400, 'BadRequest', `reading the request body: ${e.message}`)));
  });
}

/**
 * Bytes a watch response may queue for its client before the watch waits for them to go out.
 * Waiting whenever write() reports a full stream (16 KiB, two 8.8 KB events) let a watch send
 * only that much per event-loop turn: under 32 writers at full speed one watcher got ~80 of
 * ~800 events/s, fell out of the watch cache and relisted (issue 19's server-churn bench).
 * Upstream's watchers never wait on each other's turns; a client that stops reading still
 * costs at most this much here, then its cursor falls out of the cache and it is ended.
 */
export const WATCH_QUEUE_BYTES = 1024 * 1024;

/** Writes one watch frame; resolves at once while at most `limit` bytes are queued, else when they drained or the stream closed. Never rejects. */
export async function writeWatchFrame(res: Writable, frame: string, limit = WATCH_QUEUE_BYTES): Promise<void> {
  res.write(frame);
  if (res.writableLength > limit && !res.destroyed) await drainedOrClosed(res);
}

/**
 * Resolves when a writable that refused a write drains, or closes. Both listeners go when either
 * fires: a long watch waits many times, and a leftover listener per wait would be memory growing
 * with the life of the watch. Never rejects.
 */
export function drainedOrClosed(stream: EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
