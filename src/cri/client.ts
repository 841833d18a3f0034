// A typed CRI client over a unix socket, for the kubelet and tests:
//   const cri = criClient('/run/skiff/cri.sock');
//   const v = await cri.runtime.version({});                 // unary: a promise
//   for await (const ev of cri.runtime.getContainerEvents()) // server streaming: async iterator
// Methods are the RPC names with a lower-case first letter. Requests take the permissive
// `In` types, responses are the `Out` types (api.ts). Failures reject with a CriError
// whose kind/code is the gRPC status (errors.ts), e.g. isNotFound(err).
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ImageRpcs, Rpc, RuntimeRpcs } from './api.js';
import { fromStatus } from './errors.js';
import { criDefinitions } from './load.js';

export interface CallOptions {
  /** Deadline from now. Unary calls default to the client's timeoutMs; streams to none. */
  timeoutMs?: number;
  /** Cancels the call: the promise rejects (or the iterator throws) with kind 'cancelled'. */
  signal?: AbortSignal;
}

type Unary<R extends Rpc> = (req?: R['reqIn'], opts?: CallOptions) => Promise<R['resOut']>;
type Streaming<R extends Rpc> = (req?: R['reqIn'], opts?: CallOptions) => AsyncIterable<R['resOut']>;
type Api<Rs> = {
  [K in keyof Rs as Uncapitalize<K & string>]: Rs[K] extends Rpc ? (Rs[K]['stream'] extends true ? Streaming<Rs[K]> : Unary<Rs[K]>) : never;
};

export interface CriClient {
  runtime: Api<RuntimeRpcs>;
  image: Api<ImageRpcs>;
  /** Closes the connection; calls in flight fail with 'cancelled' or 'unavailable'. */
  close(): void;
}

export interface CriClientOptions {
  /** Deadline for unary calls; the kubelet's runtime-request-timeout default, 2 minutes. */
  timeoutMs?: number;
}

/** Connects lazily: the first call dials, and fails with 'unavailable' if nothing listens.
 *  `endpoint` is a socket path or a `unix://` URL (as crictl's --runtime-endpoint). */
export function criClient(endpoint: string, options: CriClientOptions = {}): CriClient {
  const address = endpoint.startsWith('unix:') ? endpoint : `unix://${resolve(endpoint)}`;
  const channel = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  });
  const defs = criDefinitions();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    runtime: methods(channel, defs.RuntimeService, timeoutMs) as Api<RuntimeRpcs>,
    image: methods(channel, defs.ImageService, timeoutMs) as Api<ImageRpcs>,
    close: () => channel.close(),
  };
}

function methods(channel: grpc.Client, def: grpc.ServiceDefinition, timeoutMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(def)) {
    const key = name[0]!.toLowerCase() + name.slice(1);
    out[key] = m.responseStream ? streaming(channel, name, m) : unary(channel, name, m, timeoutMs);
  }
  return out;
}

function deadline(opts: CallOptions | undefined, fallback?: number): grpc.CallOptions {
  const ms = opts?.timeoutMs ?? fallback;
  return ms === undefined ? {} : { deadline: Date.now() + ms };
}

function unary(channel: grpc.Client, name: string, m: grpc.MethodDefinition<unknown, unknown>, timeoutMs: number) {
  return (req: unknown = {}, opts?: CallOptions): Promise<unknown> => new Promise((ok, fail) => {
    const call = channel.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, new grpc.Metadata(), deadline(opts, timeoutMs),
      (err, res) => (err ? fail(fromStatus(err, name)) : ok(res)));
    onAbort(opts?.signal, () => call.cancel());
  });
}

function streaming(channel: grpc.Client, name: string, m: grpc.MethodDefinition<unknown, unknown>) {
  return async function* (req: unknown = {}, opts?: CallOptions): AsyncGenerator<unknown> {
    const call = channel.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req, new grpc.Metadata(), deadline(opts));
    const unhook = onAbort(opts?.signal, () => call.cancel());
    try {
      for await (const msg of call) yield msg;
    } catch (err) {
      throw fromStatus(err, name);
    } finally {
      unhook();
      // The consumer stopped early (break/return): hang up, and swallow the CANCELLED
      // status that grpc-js then emits, which nobody is listening for any more.
      call.on('error', () => {});
      call.cancel();
    }
  };
}

function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) { fn(); return () => {}; }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
