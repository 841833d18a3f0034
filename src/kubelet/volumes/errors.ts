// How a volume fails, in the words upstream's kubelet puts into its FailedMount events, so
// `kubectl describe pod` reads the same.

/** One volume could not be set up; the message is upstream's FailedMount event message. */
export class VolumeSetUpError extends Error {
  override readonly name = 'VolumeSetUpError';
  constructor(
    readonly volume: string,
    /** The plugin's own reason, e.g. `configmap "x" not found`. */
    readonly reason: string,
    /** Every failing volume of the pod when several failed (this one first). */
    readonly all: readonly VolumeSetUpError[] = [],
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`);
  }
}

/** A plugin's own failure (the reason part of VolumeSetUpError). */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
}

/** A volumeMount that cannot be turned into a CRI mount: makeMounts' messages. */
export class MountError extends Error {
  override readonly name = 'MountError';
}
