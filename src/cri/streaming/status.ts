// metav1.Status objects as the remotecommand error channel carries them, in the field order
// and spelling Go's encoding/json gives them, so client-go's decoder (and kubectl's exit code)
// read them exactly as from the kubelet.

export interface StatusCause {
  reason?: string;
  message?: string;
}

export interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: StatusCause[] };
  code?: number;
}

export const NON_ZERO_EXIT_CODE = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE = 'ExitCode';

export function success(): Status {
  return { metadata: {}, status: 'Success' };
}

/** What kubectl turns into its own exit code. */
export function nonZeroExit(code: number, cmd: readonly string[]): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command '${cmd.join(' ')}' exited with ${code}`,
    reason: NON_ZERO_EXIT_CODE,
    details: { causes: [{ reason: EXIT_CODE_CAUSE, message: String(code) }] },
  };
}

/** apierrors.NewInternalError: the runtime failed, not the command. */
export function internalError(err: unknown): Status {
  const message = err instanceof Error ? err.message : String(err);
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** The exit code a client reads from a status: 0 for Success, the ExitCode cause for
 *  NonZeroExitCode; throws for any other failure (as client-go returns an error). */
export function exitCodeOf(s: Status): number {
  if (s.status === 'Success') return 0;
  const cause = s.reason === NON_ZERO_EXIT_CODE ? s.details?.causes.find((c) => c.reason === EXIT_CODE_CAUSE) : undefined;
  if (cause?.message && /^\d+$/.test(cause.message)) return Number(cause.message);
  throw new Error(s.message ?? 'remote command failed');
}
