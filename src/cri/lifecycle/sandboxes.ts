// What Stop/Remove and restart recovery do to sandboxes (the states and legal moves are
// drawn in state/transitions.ts); a pid holder's exit makes the sandbox NOTREADY, as
// containerd's does when pause exits.
import type { CriDeps, PodNetwork } from '../deps.js';
import {
  holderDir, removePidHolder, removeSandbox, stopPidHolder, teardownNetwork, type PidHolderDeps, type PidHolderRef, type SandboxDeps,
} from '../sandbox/index.js';
import type { SandboxRecord } from '../state/records.js';
import { removeContainer, stopContainer } from './containers.js';
import { forgetStats } from './stats.js';

export function sandboxDepsOf(deps: CriDeps, network: PodNetwork | undefined): SandboxDeps {
  return { host: deps.host, files: deps.files, network, runDir: deps.dirs.sandboxes };
}

export function pidHolderDepsOf(deps: Pick<CriDeps, 'oci' | 'cgroups' | 'files' | 'dirs' | 'pauseBinary' | 'state'>): PidHolderDeps {
  return {
    oci: deps.oci, cgroups: deps.cgroups, files: deps.files, runDir: deps.dirs.sandboxes, installs: deps.state.pauseInstalls,
    ...(deps.pauseBinary ? { pauseBinary: deps.pauseBinary } : {}),
  };
}

export function pidHolderRefOf(s: Pick<SandboxRecord, 'id' | 'resources' | 'cgroup'>): PidHolderRef {
  return { sandboxId: s.id, sandboxDir: s.resources.dir, podCgroup: s.cgroup };
}

type WatchDeps = Pick<CriDeps, 'oci' | 'state' | 'log'>;

/**
 * Marks the sandbox NOTREADY when its pid holder exits (the kubelet then replaces the pod,
 * as it does when containerd's pause exits). One watch per sandbox per deps (a restart
 * re-arms them); ended by unwatchPidHolder. The record is the only state it touches.
 */
export function watchPidHolder(deps: WatchDeps, s: SandboxRecord): void {
  if (!s.pidHolder) return;
  const watches = deps.state.holderWatches;
  if (watches.has(s.id)) return;
  const ac = new AbortController();
  watches.set(s.id, ac);
  deps.oci.waitExit(holderDirOf(s), ac.signal)
    .then(async (exit) => {
      const current = deps.state.sandboxes.find(s.id);
      if (current?.state !== 'SANDBOX_READY') return;
      deps.log(`sandbox ${s.id}: pid namespace holder exited (code ${exit.exitCode}); the sandbox is not ready`);
      await deps.state.moveSandbox(s.id, 'SANDBOX_NOTREADY');
    })
    .catch((err: unknown) => {
      if (!ac.signal.aborted) deps.log(`sandbox ${s.id}: waiting for the pid holder: ${(err as Error).message}`);
    })
    .finally(() => {
      if (watches.get(s.id) === ac) watches.delete(s.id);
    });
}

/** Ends the watch of watchPidHolder (before the holder is stopped or its directory goes); a new one may be armed at once. */
export function unwatchPidHolder(deps: Pick<CriDeps, 'state'>, id: string): void {
  const watches = deps.state.holderWatches;
  const ac = watches.get(id);
  watches.delete(id);
  ac?.abort();
}

const holderDirOf = (s: SandboxRecord): string => holderDir({ sandboxDir: s.resources.dir });

/**
 * Stops every container of the pod (SIGKILL, as containerd does), then the pid holder if
 * the pod has one (unwatched, so its exit is not reported as a death), and detaches the pod
 * from the network. Idempotent; rejects with the failing step's error.
 */
export async function stopSandbox(deps: CriDeps, s: SandboxRecord): Promise<void> {
  for (const c of deps.state.containers.list().filter((c) => c.sandboxId === s.id)) {
    await deps.state.locks.run(c.id, () => stopContainer(deps, deps.state.containers.find(c.id) ?? c, 0));
  }
  if (s.pidHolder) {
    // An exit the stop causes is no death to report: unwatched first, watched again if it fails.
    unwatchPidHolder(deps, s.id);
    await stopPidHolder(pidHolderDepsOf(deps), pidHolderRefOf(s)).catch((err: unknown) => {
      watchPidHolder(deps, deps.state.sandboxes.find(s.id) ?? s);
      throw err;
    });
  }
  if (s.resources.netns) await teardownNetwork(sandboxDepsOf(deps, await deps.network()), s.id, s.config, s.resources);
  await deps.state.moveSandbox(s.id, 'SANDBOX_NOTREADY');
}

/** Removes the pod's containers, namespaces, files and record. Idempotent. */
export async function destroySandbox(deps: CriDeps, s: SandboxRecord): Promise<void> {
  await stopSandbox(deps, s);
  for (const c of deps.state.containers.list().filter((c) => c.sandboxId === s.id)) {
    await deps.state.locks.run(c.id, async () => {
      const current = deps.state.containers.find(c.id);
      if (current) await removeContainer(deps, current);
    });
  }
  if (s.pidHolder) {
    unwatchPidHolder(deps, s.id);
    await removePidHolder(pidHolderDepsOf(deps), pidHolderRefOf(s));
  }
  await removeSandbox(sandboxDepsOf(deps, undefined), s.resources);
  await deps.cgroups.remove(s.cgroup).catch((err: unknown) => deps.log(`sandbox ${s.id}: cgroup ${s.cgroup}: ${(err as Error).message}`));
  await deps.state.sandboxes.delete(s.id);
  forgetStats(deps.state, `pod:${s.id}`);
}
