/**
 * The one error type of the host layer. Real implementations turn the addon's NativeError
 * into it; fakes throw it with the code the kernel would have used, so callers classify
 * failures the same way against both (and map them to gRPC/HTTP/CNI codes only at the edge).
 */
export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    /** errno name: 'EEXIST', 'ENOENT', 'ENODEV', 'EINVAL', 'EBUSY', 'ESRCH'... */
    readonly code: string,
    message: string,
    /** What failed: 'netlink', 'mount', 'setns', 'open', or 'validate' for input refused before any syscall. */
    readonly syscall: string,
    readonly errno: number = errnoOf(code, 0),
    /** Index of the failing op in a batch. */
    public opIndex?: number,
  ) {
    super(message);
  }
}

/** The errnos the host layer produces itself (fakes, validation, tools); the rest come from the kernel. */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EIO: 5, E2BIG: 7, EBUSY: 16, EEXIST: 17, ENOTDIR: 20, EINVAL: 22,
  EFBIG: 27, ERANGE: 34, ELOOP: 40, ESTALE: 116, ENODEV: 19, ENOTEMPTY: 39, EOPNOTSUPP: 95, EADDRNOTAVAIL: 99, ENETUNREACH: 101,
  ETIMEDOUT: 110,
} as const;

// Looked up by a code that may come from a child's stderr or a foreign error object: a Map, so
// a code such as "constructor" is unknown rather than Object's constructor function.
const ERRNO_BY_CODE: ReadonlyMap<string, number> = new Map(Object.entries(ERRNO));

/** The errno of an errno name; `unknown` (EIO unless given) for a name the host layer does not produce. */
export function errnoOf(code: string, unknown: number = ERRNO.EIO): number {
  return ERRNO_BY_CODE.get(code) ?? unknown;
}

/** Input refused by validation before it reached the kernel. */
export function invalid(message: string): HostError {
  return new HostError('EINVAL', message, 'validate');
}

function codeOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The target does not exist: no such file, link, namespace, route or address. */
export function isNotFound(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ESRCH' || code === 'EADDRNOTAVAIL';
}

export function isAlreadyExists(err: unknown): boolean {
  return codeOf(err) === 'EEXIST';
}

export function isBusy(err: unknown): boolean {
  return codeOf(err) === 'EBUSY';
}

/** Converts the addon's rejection (or anything thrown) into a HostError, keeping kernel facts. */
export function toHostError(err: unknown): HostError {
  if (err instanceof HostError) return err;
  const e = err as { code?: unknown; errno?: unknown; syscall?: unknown; opIndex?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'EIO';
  const errno = typeof e?.errno === 'number' ? Math.abs(e.errno) : errnoOf(code);
  return new HostError(
    code,
    typeof e?.message === 'string' ? e.message : String(err),
    typeof e?.syscall === 'string' ? e.syscall : 'unknown',
    errno,
    typeof e?.opIndex === 'number' ? e.opIndex : undefined,
  );
}
