// The Node's conditions, as upstream's nodestatus setters (MemoryPressureCondition,
// DiskPressureCondition, PIDPressureCondition, ReadyCondition, in that order): every sync moves
// lastHeartbeatTime; lastTransitionTime moves only when the status flips.
import type { NodeCondition } from '../../api/types.js';
import type { Pressure } from './capacity.js';
import { aggregateMessage } from './runtime-health.js';

interface Wording {
  type: string;
  whenTrue: [reason: string, message: string];
  whenFalse: [reason: string, message: string];
}

const PRESSURES: readonly (Wording & { key: keyof Pressure })[] = [
  { type: 'MemoryPressure', key: 'memory', whenTrue: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], whenFalse: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'] },
  { type: 'DiskPressure', key: 'disk', whenTrue: ['KubeletHasDiskPressure', 'kubelet has disk pressure'], whenFalse: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'] },
  { type: 'PIDPressure', key: 'pid', whenTrue: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], whenFalse: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'] },
];

export const READY_REASON = 'KubeletReady';
export const READY_MESSAGE = 'kubelet is posting ready status';
export const NOT_READY_REASON = 'KubeletNotReady';

/** A condition with status, reason and message; its times carried from `old` unless it flipped. */
function next(old: NodeCondition | undefined, type: string, status: 'True' | 'False', reason: string, message: string, now: string): NodeCondition {
  const flipped = old?.status !== status;
  return { type, status, reason: flipped || old?.reason === undefined ? reason : old.reason, message: flipped || old?.message === undefined ? message : old.message, lastHeartbeatTime: now, lastTransitionTime: flipped ? now : old.lastTransitionTime ?? now };
}

/**
 * The conditions after one sync. Pressure conditions keep their reason and message until they
 * flip (upstream sets them only on a transition); Ready is rewritten every time, so its message
 * follows the runtime's. Conditions of other types (set by others) are kept, in their place.
 */
export function nodeConditions(old: readonly NodeCondition[], pressure: Pressure, notReady: readonly string[], now: string): NodeCondition[] {
  const byType = new Map(old.map((c) => [c.type, c]));
  const mine = new Map<string, NodeCondition>();
  for (const p of PRESSURES) {
    const [reason, message] = pressure[p.key] ? p.whenTrue : p.whenFalse;
    mine.set(p.type, next(byType.get(p.type), p.type, pressure[p.key] ? 'True' : 'False', reason, message, now));
  }
  const ready = byType.get('Ready');
  const readyStatus = notReady.length ? 'False' : 'True';
  mine.set('Ready', {
    type: 'Ready', status: readyStatus,
    reason: notReady.length ? NOT_READY_REASON : READY_REASON,
    message: notReady.length ? aggregateMessage(notReady) : READY_MESSAGE,
    lastHeartbeatTime: now,
    lastTransitionTime: ready && ready.status === readyStatus ? ready.lastTransitionTime ?? now : now,
  });
  const out = old.map((c) => mine.get(c.type) ?? c);
  for (const [type, c] of mine) if (!byType.has(type)) out.push(c);
  return out;
}
