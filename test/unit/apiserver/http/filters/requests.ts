// Real node:http request and response objects, unconnected, for testing one filter at a time.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Incoming } from '../../../../../src/apiserver/http/filters/types.js';

/** A request as the server hands it to the chain; headers as [name, value] pairs, repeats allowed. */
export function incoming(method: string, path: string, headers: [string, string][] = []): Incoming {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = path;
  req.rawHeaders = headers.flat();
  // What node:http's parser fills in from the raw headers (repeats collected, names lower-case).
  const distinct: Record<string, string[]> = {};
  for (const [name, value] of headers) (distinct[name.toLowerCase()] ??= []).push(value);
  req.headersDistinct = distinct;
  return { req, res: new ServerResponse(req), url: new URL(path, 'https://apiserver') };
}

/** A handler that records what reached it. */
export function recorder<R>(): { seen: R[]; next: (r: R) => Promise<void> } {
  const seen: R[] = [];
  return { seen, next: async (r) => { seen.push(r); } };
}
