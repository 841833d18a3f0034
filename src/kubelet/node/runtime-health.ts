// What the kubelet knows about its runtime from CRI Status, and the errors that keep the Node
// NotReady, worded as upstream's runtimeState (pkg/kubelet/runtime.go) and updateRuntimeUp.
import { NETWORK_READY, RUNTIME_READY } from '../../cri/api.js';

/** A RuntimeCondition as CRI Status returns it. */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface RuntimeHealth {
  /** Epoch ms of the last Status that said RuntimeReady; undefined until one did. */
  lastReadyAt?: number;
  runtimeError?: string;
  networkError?: string;
}

/** Upstream's maxWaitForContainerRuntime: a runtime not seen ready for this long is "down". */
export const RUNTIME_DOWN_AFTER_MS = 30_000;

/** Before the first Status, as upstream's newRuntimeState. */
export const initialHealth: RuntimeHealth = { networkError: 'network state unknown' };

// Go's %v of a *RuntimeCondition: its String(), or <nil>.
const describe = (c: RuntimeCondition | undefined): string => (c ? `${c.type}=${c.status} reason:${c.reason} message:${c.message}` : '<nil>');

/** The health after a Status answer (its conditions); a failed Status call changes nothing. */
export function afterStatus(prev: RuntimeHealth, conditions: readonly RuntimeCondition[], now: number): RuntimeHealth {
  const network = conditions.find((c) => c.type === NETWORK_READY);
  const runtime = conditions.find((c) => c.type === RUNTIME_READY);
  const next: RuntimeHealth = { ...prev };
  if (network?.status) delete next.networkError;
  else next.networkError = `container runtime network not ready: ${describe(network)}`;
  if (runtime?.status) {
    delete next.runtimeError;
    next.lastReadyAt = now;
  } else {
    next.runtimeError = `container runtime not ready: ${describe(runtime)}`;
  }
  return next;
}

/** The errors that make the Node NotReady, runtime's first, in upstream's order. */
export function readinessErrors(h: RuntimeHealth, now: number): string[] {
  const errs: string[] = [];
  if (h.lastReadyAt === undefined) errs.push('container runtime status check may not have completed yet');
  else if (h.lastReadyAt + RUNTIME_DOWN_AFTER_MS <= now) errs.push('container runtime is down');
  if (h.runtimeError) errs.push(h.runtimeError);
  if (h.networkError) errs.push(h.networkError);
  return errs;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets. */
export function aggregateMessage(errs: readonly string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
