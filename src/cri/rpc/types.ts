// The shape of one RPC handler module under rpc/: a function of the decoded request and a
// context, returning the response (unary) or yielding responses (server streaming).
// Handlers throw CriError (errors.ts) to choose the status; server.ts does the gRPC part.
import type { ImageRpcs, Rpc, RuntimeRpcs } from '../api.js';
import type { CriDeps } from '../deps.js';

export interface RpcContext {
  deps: CriDeps;
  /** Aborted when the client cancels or its deadline passes, or the server closes. */
  signal: AbortSignal;
}

export type Handler<R extends Rpc> = R['stream'] extends true
  ? (req: R['reqOut'], ctx: RpcContext) => AsyncIterable<R['resIn']>
  : (req: R['reqOut'], ctx: RpcContext) => Promise<R['resIn']>;

export type RuntimeHandlers = { [K in keyof RuntimeRpcs]?: Handler<RuntimeRpcs[K]> };
export type ImageHandlers = { [K in keyof ImageRpcs]?: Handler<ImageRpcs[K]> };
