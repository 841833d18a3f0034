// What several RPCs do to containers: stop, remove, record an exit, tell subscribers. The
// states they move through, and which moves are legal, are drawn in state/transitions.ts.
import type { CriDeps } from '../deps.js';
import { dateNanos, type ContainerRecord } from '../state/records.js';
import { forgetStats } from './stats.js';
import { containerStatus, exitReason, sandboxStatus } from './views.js';

type Deps = Pick<CriDeps, 'state' | 'oci' | 'images' | 'host' | 'files' | 'log' | 'cgroups'>;
type Exit = { exitCode: number; finishedAt: Date; oomKilled: boolean };

/**
 * Records the exit of a started container when conmon reports it. One watcher per container
 * per runtime state (a restart re-arms them); the record is the only state it touches.
 */
export function watchExit(deps: Deps, id: string): void {
  const ids = deps.state.exitWatchers;
  if (ids.has(id)) return;
  const rec = deps.state.containers.find(id);
  if (!rec) return;
  ids.add(id);
  deps.oci.waitExit(rec.dir)
    .then((exit) => recordExit(deps, id, exit))
    .catch((err: unknown) => deps.log(`container ${id}: waiting for exit: ${(err as Error).message}`))
    .finally(() => ids.delete(id));
}

/**
 * Records a container's exit (once: a second caller while it runs waits for the first).
 * In a pid namespace it joined, whatever its main process left behind is killed first (as
 * containerd's shim does before it reports the exit), so once the record says EXITED, nothing
 * of the container runs. Fails only when the record cannot be written; a failed kill is logged.
 */
export function recordExit(deps: Deps, id: string, exit: Exit, change?: (r: ContainerRecord) => void): Promise<void> {
  const inFlight = deps.state.exitsRecording;
  const running = inFlight.get(id);
  if (running) return running;
  const p = writeExit(deps, id, exit, change).finally(() => inFlight.delete(id));
  inFlight.set(id, p);
  return p;
}

/** An exit nobody saw (no exit file): now, with the code a SIGKILL gives. */
export const unseenExit = (deps: Pick<CriDeps, 'state'>, exitCode = 137): Exit => ({ exitCode, finishedAt: new Date(deps.state.clock.now()), oomKilled: false });

async function writeExit(deps: Deps, id: string, exit: Exit, change?: (r: ContainerRecord) => void): Promise<void> {
  const rec = deps.state.containers.find(id);
  if (!rec || rec.state === 'CONTAINER_EXITED') return;
  // Its pid namespace is not its own (another's joined by path, or the node's): its main
  // process is not PID 1 there, so the children it leaves are re-parented and run on in its
  // cgroup. containerd kills them (ShouldKillAllOnExit); in a namespace of its own the
  // kernel does, when its PID 1 exits.
  if (rec.sharedPidNamespace) {
    await deps.cgroups.kill(rec.cgroup).catch((err: unknown) => deps.log(`container ${id}: killing what its main process left: ${(err as Error).message}`));
  }
  const next = await deps.state.moveContainer(id, 'CONTAINER_EXITED', (r) => {
    r.exitCode = exit.exitCode;
    r.finishedAt = dateNanos(exit.finishedAt);
    r.reason = exitReason(exit.exitCode, exit.oomKilled);
    change?.(r);
  });
  emit(deps, next, 'CONTAINER_STOPPED_EVENT');
}

/**
 * Stops a container: its stop signal, then SIGKILL after timeoutSeconds (0 = at once), then
 * waits for the exit to be recorded (which, in a shared pid namespace, kills what is left in
 * its cgroup). A container that never started is marked exited. Succeeds when it is already stopped.
 */
export async function stopContainer(deps: Deps, rec: ContainerRecord, timeoutSeconds: number, stopSignal = 'SIGTERM'): Promise<void> {
  if (rec.state === 'CONTAINER_EXITED') return;
  if (rec.state === 'CONTAINER_CREATED' || rec.state === 'CONTAINER_UNKNOWN') {
    await deps.oci.kill(rec.id, 'SIGKILL').catch(() => undefined);
    const exit = await deps.oci.exitStatus(rec.dir).catch(() => undefined);
    await recordExit(deps, rec.id, exit ?? unseenExit(deps));
    return;
  }
  const exited = new AbortController();
  const wait = deps.oci.waitExit(rec.dir, exited.signal);
  try {
    if (timeoutSeconds > 0) {
      await deps.oci.kill(rec.id, stopSignal);
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutSeconds * 1000, 'timeout').unref());
      if ((await Promise.race([wait.then(() => 'exited' as const), timer])) === 'exited') {
        await recordExit(deps, rec.id, await wait);
        return;
      }
    }
    await deps.oci.kill(rec.id, 'SIGKILL');
    await recordExit(deps, rec.id, await wait);
  } finally {
    exited.abort();
    wait.catch(() => undefined);
  }
}

/** Removes a container and everything it holds; stops it first (SIGKILL). Idempotent. */
export async function removeContainer(deps: Deps, rec: ContainerRecord): Promise<void> {
  await stopContainer(deps, rec, 0).catch((err: unknown) => deps.log(`container ${rec.id}: stop before remove: ${(err as Error).message}`));
  await deps.oci.delete(rec.id);
  await deps.images.removeRootfs(rec.rootfsKey, deps.host.mounter);
  await deps.cgroups.remove(rec.cgroup).catch(() => undefined);
  await deps.files.remove(rec.dir);
  await deps.state.containers.delete(rec.id);
  forgetStats(deps.state, rec.id);
  emit(deps, rec, 'CONTAINER_DELETED_EVENT');
}

/** Tells GetContainerEvents subscribers, with the pod's status as it is now (as containerd). */
export function emit(deps: Pick<CriDeps, 'state'>, rec: ContainerRecord, type: 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT'): void {
  const sandbox = deps.state.sandboxes.find(rec.sandboxId);
  deps.state.events.emit({
    containerId: rec.id, containerEventType: type, createdAt: deps.state.nowNanos(),
    podSandboxStatus: sandbox ? sandboxStatus(sandbox) : null,
    containersStatuses: deps.state.containers.list().filter((c) => c.sandboxId === rec.sandboxId).map(containerStatus),
  });
}
