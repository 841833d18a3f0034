// The container state machine's transitions that several RPCs share:
//   CREATED ──start──▶ RUNNING ──exit──▶ EXITED ──remove──▶ (gone)
//      └──────────────stop/remove (never started)──────▶ EXITED
// UNKNOWN appears only when a restart finds a record whose runc state cannot be read.
import { rm } from 'node:fs/promises';
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

export async function recordExit(deps: Deps, id: string, exit: { exitCode: number; finishedAt: Date; oomKilled: boolean }): Promise<void> {
  const rec = deps.containers.find(id);
  if (!rec || rec.state === 'CONTAINER_EXITED') return;
  const next = await deps.containers.update(id, (r) => {
    r.state = 'CONTAINER_EXITED';
    r.exitCode = exit.exitCode;
    r.finishedAt = dateNanos(exit.finishedAt);
    r.reason = exitReason(exit.exitCode, exit.oomKilled);
  });
  emit(deps, next, 'CONTAINER_STOPPED_EVENT');
}

/**
 * Stops a container: its stop signal, then SIGKILL after timeoutSeconds (0 = at once), then
 * waits for the exit to be recorded. A container that never started is marked exited.
 * Succeeds when it is already stopped.
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
