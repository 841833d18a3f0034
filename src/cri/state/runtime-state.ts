// Everything the CRI runtime keeps while it runs, owned by one object that the composition
// root makes and hands to every handler in deps: the records, the per-id locks, the event
// feed, the watchers that turn conmon's exit reports into record changes, the CPU samples
// stats need for rates, the pid holders' rootfs install, and the clock every timestamp is read from. A second RuntimeState
// (a restart in a test) shares none of it.
import { join } from 'node:path';
import type { Clock } from '../../host/clock.js';
import type { ContainerState__Output } from '../gen/runtime/v1/ContainerState.js';
import type { PodSandboxState__Output } from '../gen/runtime/v1/PodSandboxState.js';
import { containerKey, sandboxKey } from '../lifecycle/names.js';
import { ContainerEvents } from './events.js';
import { KeyedLock } from './locks.js';
import type { ContainerRecord, Nanos, SandboxRecord } from './records.js';
import { RecordStore } from './store.js';
import { isAt, moveContainer, moveSandbox } from './transitions.js';
import { containerFromDisk, sandboxFromDisk } from './upgrade.js';

/** A cgroup's cumulative CPU time when it was last sampled. */
export interface CpuSample {
  at: bigint;
  usage: bigint;
}

export class RuntimeState {
  readonly locks = new KeyedLock();
  readonly events = new ContainerEvents();
  /** Containers whose exit a watcher waits for (lifecycle/containers watchExit): one watcher each. */
  readonly exitWatchers = new Set<string>();
  /** Exits being written: a second recordExit of the same container waits for the first. */
  readonly exitsRecording = new Map<string, Promise<void>>();
  /** Watches of pid namespace holders by sandbox id (lifecycle/sandboxes watchPidHolder). */
  readonly holderWatches = new Map<string, AbortController>();
  /** The previous CPU sample per container id or 'pod:<sandbox id>', for usage_nano_cores. */
  readonly cpuSamples = new Map<string, CpuSample>();
  /** The pid holders' shared rootfs, installed once (sandbox/pid-holder.ts pauseRootfs). */
  readonly pauseInstalls = new Map<string, Promise<string>>();

  constructor(readonly sandboxes: RecordStore<SandboxRecord>, readonly containers: RecordStore<ContainerRecord>, readonly clock: Clock) {}

  /** Loads the records under stateDir (sandboxes/, containers/), converting older shapes.
   *  Unreadable records are returned as errors, not fatal. */
  static async open(stateDir: string, clock: Clock): Promise<{ state: RuntimeState; errors: string[] }> {
    const sandboxes = await RecordStore.open<SandboxRecord>(join(stateDir, 'sandboxes'), 'sandbox', sandboxKey, sandboxFromDisk);
    const containers = await RecordStore.open<ContainerRecord>(join(stateDir, 'containers'), 'container', containerKey, containerFromDisk);
    return { state: new RuntimeState(sandboxes.store, containers.store, clock), errors: [...sandboxes.errors, ...containers.errors] };
  }

  /** Now, as the CRI writes timestamps. */
  nowNanos(): Nanos {
    return this.clock.nowNanos().toString();
  }

  /**
   * Moves a container to `to` through the transition table and applies change (the facts that
   * come with the move) in the same write. Moving to the state it is in changes nothing and
   * resolves with the record as it is (a stop and an exit race to record the same end).
   * Rejects FailedPrecondition for an illegal move, NotFound for an unknown id, or the write's error.
   */
  async moveContainer(id: string, to: ContainerState__Output, change: (r: ContainerRecord) => void = () => undefined): Promise<ContainerRecord> {
    return move(this.containers, moveContainer, id, to, change);
  }

  /** As moveContainer, for a sandbox. */
  async moveSandbox(id: string, to: PodSandboxState__Output, change: (r: SandboxRecord) => void = () => undefined): Promise<SandboxRecord> {
    return move(this.sandboxes, moveSandbox, id, to, change);
  }
}

/** A move through the transition table, written with the change it brings; none when already there. */
async function move<R extends ContainerRecord | SandboxRecord, S extends R['state']>(
  store: RecordStore<R>, moveFn: (r: R, to: S) => void, id: string, to: S, change: (r: R) => void,
): Promise<R> {
  const current = store.mustGet(id);
  if (isAt(current, to)) return current;
  return store.update(id, (r) => {
    moveFn(r, to);
    change(r);
  });
}
