// The CRI gRPC server on a unix socket: RuntimeService and ImageService, each RPC served
// by its module under rpc/ (see rpc/index.ts). This file is the edge: it decodes, calls
// the handler, and turns thrown CriErrors into gRPC statuses. RPCs without a handler
// answer UNIMPLEMENTED naming the RPC.
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { CriDeps } from './deps.js';
import { toStatus, unimplemented } from './errors.js';
import { criDefinitions } from './load.js';
import { imageHandlers, runtimeHandlers } from './rpc/index.js';
import type { ImageHandlers, RpcContext, RuntimeHandlers } from './rpc/types.js';
import { serveOnUnixSocket } from '../grpc/unix-socket.js';
import { ownValue, setOwn } from '../own-keys.js';
import { trace } from '../trace.js';

/** What the kubelet allows for CRI messages (ListContainers on a busy node exceeds 4 MiB). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface CriHandlers {
  runtime: RuntimeHandlers;
  image: ImageHandlers;
}

export interface CriServer {
  /** Absolute path of the socket. */
  readonly socketPath: string;
  /** Ends streaming RPCs, waits up to graceMs for calls in flight, then cuts them, and
   *  removes the socket. Never rejects. */
  close(graceMs?: number): Promise<void>;
}

const log = trace('cri');

/** Serves CRI on socketPath (created with mode 0660, its directory if missing). A stale
 *  socket left by a previous run is removed; any other file there is refused.
 *  Rejects if the socket cannot be bound. `handlers` is for tests. */
export async function serveCri(
  deps: CriDeps,
  socketPath: string,
  handlers: CriHandlers = { runtime: runtimeHandlers, image: imageHandlers },
): Promise<CriServer> {
  const defs = criDefinitions();
  const closing = new AbortController();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(defs.RuntimeService, implement('runtime.v1.RuntimeService', defs.RuntimeService, handlers.runtime, deps, closing.signal));
  server.addService(defs.ImageService, implement('runtime.v1.ImageService', defs.ImageService, handlers.image, deps, closing.signal));
  // Our own listener, not bindAsync: it lets grpc-go clients that send the socket path as
  // :authority (crictl, critest, kubelets before 1.30) through; see src/grpc/README.md.
  const listener = await serveOnUnixSocket(server, socketPath);
  log(() => `serving on ${listener.socketPath}`);
  return {
    socketPath: listener.socketPath,
    close(graceMs = 5000) {
      closing.abort();
      return listener.close(graceMs);
    },
  };
}

// Handlers are typed per RPC in rpc/types.ts; here, where requests are dispatched by name,
// they are all one loose shape.
type AnyHandler = (req: unknown, ctx: RpcContext) => Promise<unknown> | AsyncIterable<unknown>;

function implement(
  service: string,
  def: grpc.ServiceDefinition,
  handlers: RuntimeHandlers | ImageHandlers,
  deps: CriDeps,
  closing: AbortSignal,
): grpc.UntypedServiceImplementation {
  const table = handlers as Record<string, AnyHandler | undefined>;
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(def)) {
    const rpc = `${service}/${name}`;
    const handler = ownValue(table, name) ?? (() => { throw unimplemented(`${rpc} is not implemented by skiff`); });
    setOwn(impl, name, method.responseStream ? serverStreaming(rpc, handler, deps, closing) : unary(rpc, handler, deps, closing));
  }
  return impl;
}

function unary(rpc: string, handler: AnyHandler, deps: CriDeps, closing: AbortSignal): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const { signal, done } = callSignal(call, closing);
    Promise.resolve()
      .then(() => handler(call.request, { deps, signal }) as Promise<unknown>)
      .then(
        (res) => callback(null, res),
        (err: unknown) => {
          const st = toStatus(err);
          log(() => `${rpc} failed: ${grpc.status[st.code]} ${st.details}`);
          callback(st);
        },
      )
      .finally(done);
  };
}

function serverStreaming(rpc: string, handler: AnyHandler, deps: CriDeps, closing: AbortSignal): grpc.handleServerStreamingCall<unknown, unknown> {
  return async (call) => {
    const { signal, done } = callSignal(call, closing);
    let failed = false;
    try {
      for await (const msg of handler(call.request, { deps, signal }) as AsyncIterable<unknown>) {
        if (signal.aborted) break;
        if (!call.write(msg)) await once(call, 'drain', { signal });
      }
    } catch (err) {
      if (!signal.aborted) {
        failed = true;
        const st = toStatus(err);
        log(() => `${rpc} failed: ${grpc.status[st.code]} ${st.details}`);
        call.emit('error', st); // grpc-js sends it as the call's status and ends the call
      }
    } finally {
      // Handler done, or the server closing: either way a normal end for a client still there.
      if (!failed && !call.cancelled) call.end();
      done();
    }
  };
}

/** One signal per call: aborted when the client cancels (or its deadline passes) or the
 *  server closes; `done` unhooks it from the server's signal. */
function callSignal(call: NodeJS.EventEmitter, closing: AbortSignal): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const abort = () => ac.abort();
  call.once('cancelled', abort);
  closing.addEventListener('abort', abort, { once: true });
  if (closing.aborted) ac.abort();
  return { signal: ac.signal, done: () => { call.off('cancelled', abort); closing.removeEventListener('abort', abort); } };
}
