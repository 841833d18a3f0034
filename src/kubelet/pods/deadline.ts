// spec.activeDeadlineSeconds, as upstream's active_deadline.go: counted from status.startTime;
// once past, the kubelet stops the pod and fails it with DeadlineExceeded.
import type { Pod } from '../../api/types.js';

export const DEADLINE_EXCEEDED = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } as const;

/** ms left before the pod's deadline (<= 0: past it); undefined when it has none or has not started. */
export function activeDeadlineRemaining(pod: Pod, nowMs: number): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  if (seconds === undefined || Number.isNaN(start)) return undefined;
  return start + seconds * 1000 - nowMs;
}
