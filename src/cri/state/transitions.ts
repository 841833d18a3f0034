// The sandbox and container state machines, drawn as tables (as containerd's
// internal/cri/store/container/status.go guards its own). A record still being created is in
// the pseudo-state 'creating'; leaving it also ends the record's 'creating' phase.
//
//   container: creating ─▶ CREATED ─start─▶ RUNNING ─exit─▶ EXITED ─remove─▶ (gone)
//                            │    └──stop/remove, never started──▶ EXITED
//                            └──/ RUNNING ──restart, runc state unreadable──▶ UNKNOWN ─▶ RUNNING | EXITED
//   sandbox:   creating ─▶ READY ─stop, pid holder exit─▶ NOTREADY ─remove─▶ (gone)
import { failedPrecondition } from '../errors.js';
import type { ContainerState__Output } from '../gen/runtime/v1/ContainerState.js';
import type { PodSandboxState__Output } from '../gen/runtime/v1/PodSandboxState.js';
import type { Phase } from './records.js';

type From<S> = S | 'creating';

const CONTAINER_MOVES = new Map<From<ContainerState__Output>, readonly ContainerState__Output[]>([
  ['creating', ['CONTAINER_CREATED']],
  ['CONTAINER_CREATED', ['CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN']],
  ['CONTAINER_RUNNING', ['CONTAINER_EXITED', 'CONTAINER_UNKNOWN']],
  ['CONTAINER_UNKNOWN', ['CONTAINER_RUNNING', 'CONTAINER_EXITED']],
  ['CONTAINER_EXITED', []],
]);

const SANDBOX_MOVES = new Map<From<PodSandboxState__Output>, readonly PodSandboxState__Output[]>([
  ['creating', ['SANDBOX_READY']],
  ['SANDBOX_READY', ['SANDBOX_NOTREADY']],
  ['SANDBOX_NOTREADY', []],
]);

/** A record as the transition function sees it: the only place phase and state are written. */
interface Movable<S> {
  id: string;
  phase: Phase;
  state: S;
}

const short = (s: string): string => s.replace(/^(CONTAINER|SANDBOX)_/, '').toLowerCase();

function move<S extends string>(kind: string, table: ReadonlyMap<From<S>, readonly S[]>, record: { readonly id: string; readonly phase: Phase; readonly state: S }, to: S): void {
  const from: From<S> = record.phase === 'creating' ? 'creating' : record.state;
  if (!table.get(from)?.includes(to)) throw failedPrecondition(`${kind} ${record.id} cannot go from ${short(from)} to ${short(to)}`);
  // The records' readonly fields are writable here and only here.
  const r = record as Movable<S>;
  r.phase = 'created';
  r.state = to;
}

/** Whether moving there would change nothing (the record is created and already in that state). */
export const isAt = (record: { readonly phase: Phase; readonly state: string }, to: string): boolean => record.phase === 'created' && record.state === to;

/** Moves a container record (a copy being updated) to `to`. Rejects an illegal move with FailedPrecondition, changing nothing. */
export function moveContainer(record: { readonly id: string; readonly phase: Phase; readonly state: ContainerState__Output }, to: ContainerState__Output): void {
  move('container', CONTAINER_MOVES, record, to);
}

/** Moves a sandbox record (a copy being updated) to `to`. Rejects an illegal move with FailedPrecondition, changing nothing. */
export function moveSandbox(record: { readonly id: string; readonly phase: Phase; readonly state: PodSandboxState__Output }, to: PodSandboxState__Output): void {
  move('sandbox', SANDBOX_MOVES, record, to);
}
