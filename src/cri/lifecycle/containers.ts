// The container state machine's transitions that several RPCs share:
//   CREATED ──start──▶ RUNNING ──exit──▶ EXITED ──remove──▶ (gone)
//      └──────────────stop/remove (never started)──────▶ EXITED
// UNKNOWN appears only when a restart finds a record whose runc state cannot be read.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriDeps } from '../deps.js';
import { dateNanos, nowNanos, type ContainerRecord } from '../state/records.js';
import { forgetStats } from './stats.js';
import { containerStatus, exitReason, sandboxStatus } from './views.js';

type Deps = Pick<CriDeps, 'containers' | 'sandboxes' | 'oci' | 'events' | 'images' | 'host' | 'log' | 'cgroups'>;

const watching = new WeakMap<object, Set<string>>();

/**
 * Records the exit of a started container when conmon reports it. One watcher per container
 * per deps (a restart re-arms them); the record is the only state it touches.
 */
export function watchExit(deps: Deps, id: string): void {
  const ids = watching.get(deps.containers) ?? new Set<string>();
  watching.set(deps.containers, ids);
  if (ids.has(id)) return;
  const rec = deps.containers.find(id);
  if (!rec) return;
  ids.add(id);
  deps.oci.waitExit(rec.dir)
    .then((exit) => recordExit(deps, id, exit))
    .catch((err: unknown) => deps.log(`container ${id}: waiting for exit: ${(err as Error).message}`))
    .finally(() => ids.delete(id));
}

const recording = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Records a container's exit (once: a second caller while it runs waits for the first).
 * In a pid namespace it joined, whatever its main process left behind is killed first (as
 * containerd's shim does before it reports the exit), so once the record says EXITED, nothing
 * of the container runs. Fails only when the record cannot be written; a failed kill is logged.
 */
export function recordExit(deps: Deps, id: string, exit: { exitCode: number; finishedAt: Date; oomKilled: boolean }): Promise<void> {
  const inFlight = recording.get(deps.containers) ?? new Map<string, Promise<void>>();
  recording.set(deps.containers, inFlight);
  const running = inFlight.get(id);
  if (running) return running;
  const p = writeExit(deps, id, exit).finally(() => inFlight.delete(id));
  inFlight.set(id, p);
  return p;
}

async function writeExit(deps: Deps, id: string, exit: { exitCode: number; finishedAt: Date; oomKilled: boolean }): Promise<void> {
  const rec = deps.containers.find(id);
  if (!rec || rec.state === 'CONTAINER_EXITED') return;
  if (await sharesPidNamespace(rec)) {
    await deps.cgroups.kill(rec.cgroup).catch((err: unknown) => deps.log(`container ${id}: killing what its main process left: ${(err as Error).message}`));
  }
  const next = await deps.containers.update(id, (r) => {
    r.state = 'CONTAINER_EXITED';
    r.exitCode = exit.exitCode;
    r.finishedAt = dateNanos(exit.finishedAt);
    r.reason = exitReason(exit.exitCode, exit.oomKilled);
  });
  emit(deps, next, 'CONTAINER_STOPPED_EVENT');
}

/**
 * Whether the container's pid namespace is not its own: another's joined by path (pid mode POD:
 * the pod's holder; TARGET: another container's) or the node's (NODE). Then its main process is
 * not PID 1 of it, so the children it leaves are re-parented and run on in the container's
 * cgroup: containerd kills them (ShouldKillAllOnExit, for every container without a new pid
 * namespace). In a namespace of its own the kernel does, when its PID 1 exits. The bundle's
 * spec says; without it, the requested mode.
 */
async function sharesPidNamespace(rec: ContainerRecord): Promise<boolean> {
  try {
    const spec = JSON.parse(await readFile(join(rec.dir, 'config.json'), 'utf8')) as { linux?: { namespaces?: { type: string; path?: string }[] } };
    const pid = (spec.linux?.namespaces ?? []).find((ns) => ns.type === 'pid');
    return !pid || Boolean(pid.path);
  } catch {
    return (rec.config.linux?.securityContext?.namespaceOptions?.pid ?? 'CONTAINER') !== 'CONTAINER';
  }
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
    await recordExit(deps, rec.id, exit ?? { exitCode: 137, finishedAt: new Date(), oomKilled: false });
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
  await rm(rec.dir, { recursive: true, force: true });
  await deps.containers.delete(rec.id);
  forgetStats(rec.id);
  emit(deps, rec, 'CONTAINER_DELETED_EVENT');
}

/** Tells GetContainerEvents subscribers, with the pod's status as it is now (as containerd). */
export function emit(deps: Pick<CriDeps, 'events' | 'sandboxes' | 'containers'>, rec: ContainerRecord, type: 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT'): void {
  const sandbox = deps.sandboxes.find(rec.sandboxId);
  deps.events.emit({
    containerId: rec.id, containerEventType: type, createdAt: nowNanos(),
    podSandboxStatus: sandbox ? sandboxStatus(sandbox) : null,
    containersStatuses: deps.containers.list().filter((c) => c.sandboxId === rec.sandboxId).map(containerStatus),
  });
}
