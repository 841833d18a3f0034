// Types of the CRI services derived from the generated code (gen/), one entry per RPC:
//   RuntimeRpcs['Version'] = { reqIn, reqOut, resIn, resOut, stream }
// `In` types are what a sender may pass: fields optional, int64 as number | string | Long,
// enums as name or number. `Out` types are what a receiver gets: every field present,
// int64 as a decimal string, enums as names, absent messages null (see proto/options.ts).
import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { ImageServiceDefinition, ImageServiceHandlers } from './gen/runtime/v1/ImageService.js';
import type { RuntimeServiceDefinition, RuntimeServiceHandlers } from './gen/runtime/v1/RuntimeService.js';

export interface Rpc<ReqIn = unknown, ReqOut = unknown, ResIn = unknown, ResOut = unknown, Stream extends boolean = boolean> {
  reqIn: ReqIn;
  reqOut: ReqOut;
  resIn: ResIn;
  resOut: ResOut;
  /** Server streaming (GetContainerEvents, Stream*); all others are unary. */
  stream: Stream;
}

// grpc-js's service types carry a string index signature; keep only the named RPCs.
type Named<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
// The generated handler interface is the only place that says which RPCs stream.
type Streams<H> = H extends grpc.handleServerStreamingCall<infer _Req, infer _Res> ? true : false;
type Rpcs<D, H> = {
  [K in keyof Named<D>]: Named<D>[K] extends MethodDefinition<infer QI, infer RI, infer QO, infer RO>
    ? Rpc<QI, QO, RI, RO, K extends keyof H ? Streams<H[K]> : false>
    : never;
};

export type RuntimeRpcs = Rpcs<RuntimeServiceDefinition, RuntimeServiceHandlers>;
export type ImageRpcs = Rpcs<ImageServiceDefinition, ImageServiceHandlers>;
export type RuntimeRpcName = keyof RuntimeRpcs;
export type ImageRpcName = keyof ImageRpcs;

/** Status condition types the kubelet requires (upstream's RuntimeReady/NetworkReady). */
export const RUNTIME_READY = 'RuntimeReady';
export const NETWORK_READY = 'NetworkReady';
