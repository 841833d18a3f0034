// A typed CRI client over a unix socket, for the kubelet and tests:
//   const cri = criClient('/run/skiff/cri.sock');
//   const v = await cri.runtime.version({});                 // unary: a promise
//   for await (const ev of cri.runtime.getContainerEvents()) // server streaming: async iterator
// Methods are the RPC names with a lower-case first letter. Requests take the permissive
// `In` types, responses are the `Out` types (api.ts). Failures reject with a CriError
// whose kind/code is the gRPC status (errors.ts), e.g. isNotFound(err).
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { systemClock, type Clock } from '../host/clock.js';
import { dict, type Dict } from '../own-keys.js';
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
  /** What deadlines are counted from (grpc deadlines are wall-clock times). */
  clock?: Clock;
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
  const ctx: Ctx = { channel, timeoutMs: options.timeoutMs ?? 120_000, clock: options.clock ?? systemClock };
  return {
    runtime: methods(ctx, defs.RuntimeService) as Api<RuntimeRpcs>,
    image: methods(ctx, defs.ImageService) as Api<ImageRpcs>,
    close: () => channel.close(),
  };
}

/** What every method of one client shares. */
interface Ctx {
  channel: grpc.Client;
  timeoutMs: number;
  clock: Clock;
}

function methods(ctx: Ctx, def: grpc.ServiceDefinition): Dict<unknown> {
  const out = dict<unknown>();
  for (const [name, m] of Object.entries(def)) {
    const key = name[0]!.toLowerCase() + name.slice(1);
    out[key] = m.responseStream ? streaming(ctx, name, m) : unary(ctx, name, m);
  }
  return out;
}

function deadline(clock: Clock, opts: CallOptions | undefined, fallback?: number): grpc.CallOptions {
  const ms = opts?.timeoutMs ?? fallback;
  return ms === undefined ? {} : { deadline: clock.now() + ms };
}

function unary({ channel, clock, timeoutMs }: Ctx, name: string, m: grpc.MethodDefinition<unknown, unknown>) {
  return (req: unknown = {}, opts?: CallOptions): Promise<unknown> => new Promise((ok, fail) => {
    const call = channel.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, new grpc.Metadata(), deadline(clock, opts, timeoutMs),
      (err, res) => (err ? fail(fromStatus(err, name)) : ok(res)));
    onAbort(opts?.signal, () => call.cancel());
  });
}

function streaming({ channel, clock }: Ctx, name: string, m: grpc.MethodDefinition<unknown, unknown>) {
  return async function* (req: unknown = {}, opts?: CallOptions): AsyncGenerator<unknown> {
    const call = channel.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req, new grpc.Metadata(), deadline(clock, opts));
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
