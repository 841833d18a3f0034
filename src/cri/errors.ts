// The CRI layer's one error type. RPC code throws CriError with a kind; server.ts turns it
// into a gRPC status at the edge, and client.ts turns a gRPC status back into a CriError,
// so callers (the kubelet) classify failures the same way in-process and over the socket.
import { status } from '@grpc/grpc-js';

export type CriErrorKind =
  | 'notFound' | 'invalidArgument' | 'alreadyExists' | 'failedPrecondition' | 'unimplemented'
  | 'internal' | 'unavailable' | 'deadlineExceeded' | 'cancelled' | 'resourceExhausted'
  | 'permissionDenied' | 'aborted' | 'unknown';

const CODES: Record<CriErrorKind, status> = {
  notFound: status.NOT_FOUND,
  invalidArgument: status.INVALID_ARGUMENT,
  alreadyExists: status.ALREADY_EXISTS,
  failedPrecondition: status.FAILED_PRECONDITION,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
  unavailable: status.UNAVAILABLE,
  deadlineExceeded: status.DEADLINE_EXCEEDED,
  cancelled: status.CANCELLED,
  resourceExhausted: status.RESOURCE_EXHAUSTED,
  permissionDenied: status.PERMISSION_DENIED,
  aborted: status.ABORTED,
  unknown: status.UNKNOWN,
};

const KINDS = new Map<number, CriErrorKind>(Object.entries(CODES).map(([k, c]) => [c, k as CriErrorKind]));

export class CriError extends Error {
  override readonly name = 'CriError';
  /** The gRPC status code this error travels as. */
  readonly code: status;
  constructor(readonly kind: CriErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = CODES[kind];
  }
}

export const notFound = (message: string): CriError => new CriError('notFound', message);
export const invalidArgument = (message: string): CriError => new CriError('invalidArgument', message);
export const alreadyExists = (message: string): CriError => new CriError('alreadyExists', message);
export const failedPrecondition = (message: string): CriError => new CriError('failedPrecondition', message);
export const unimplemented = (message: string): CriError => new CriError('unimplemented', message);
export const internal = (message: string, cause?: unknown): CriError => new CriError('internal', message, { cause });

export const isNotFound = (err: unknown): boolean => err instanceof CriError && err.kind === 'notFound';
export const isAlreadyExists = (err: unknown): boolean => err instanceof CriError && err.kind === 'alreadyExists';
export const isUnimplemented = (err: unknown): boolean => err instanceof CriError && err.kind === 'unimplemented';

/** The status a server answers with. Anything that is not a CriError is a bug or an
 *  unclassified failure: INTERNAL, with its message so the caller's logs say what broke. */
export function toStatus(err: unknown): { code: status; details: string } {
  if (err instanceof CriError) return { code: err.code, details: err.message };
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** A client-side gRPC failure (grpc-js ServiceError: code + details) as a CriError. */
export function fromStatus(err: unknown, rpc: string): CriError {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const kind = (typeof e?.code === 'number' && KINDS.get(e.code)) || 'unknown';
  const details = typeof e?.details === 'string' ? e.details : typeof e?.message === 'string' ? e.message : String(err);
  return new CriError(kind, `${rpc}: ${details}`, { cause: err });
}
