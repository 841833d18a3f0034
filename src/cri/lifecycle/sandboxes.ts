// Sandbox transitions shared by Stop/Remove and restart recovery:
//   (creating) ──RunPodSandbox──▶ READY ──stop──▶ NOTREADY ──remove──▶ (gone)
//                                   └──pid holder exited──▶ NOTREADY (as containerd when pause exits)
import type { CriDeps, PodNetwork } from '../deps.js';
import {
  holderDir, removePidHolder, removeSandbox, stopPidHolder, teardownNetwork, type PidHolderDeps, type PidHolderRef, type SandboxDeps, type SandboxResources,
} from '../sandbox/index.js';
import type { SandboxRecord } from '../state/records.js';
import { removeContainer, stopContainer } from './containers.js';
import { forgetStats } from './stats.js';

export function sandboxDepsOf(deps: CriDeps, network: PodNetwork | undefined): SandboxDeps {
  return { host: deps.host, network, runDir: deps.dirs.sandboxes };
}

export function resourcesOf(s: SandboxRecord): SandboxResources {
  return {
    dir: s.dir, netns: s.netns, ipc: s.ipc, uts: s.uts, hostname: s.config.hostname, hostsFile: s.hostsFile ?? '',
    resolvConf: s.resolvConf ?? '', hostnameFile: s.hostnameFile ?? '', shm: s.shm, ip: s.ip, additionalIps: s.additionalIps,
  };
}

export function pidHolderDepsOf(deps: Pick<CriDeps, 'oci' | 'cgroups' | 'dirs' | 'pauseBinary'>): PidHolderDeps {
  return { oci: deps.oci, cgroups: deps.cgroups, runDir: deps.dirs.sandboxes, ...(deps.pauseBinary ? { pauseBinary: deps.pauseBinary } : {}) };
}

export function pidHolderRefOf(s: Pick<SandboxRecord, 'id' | 'dir' | 'cgroup'>): PidHolderRef {
  return { sandboxId: s.id, sandboxDir: s.dir, podCgroup: s.cgroup };
}

type WatchDeps = Pick<CriDeps, 'oci' | 'sandboxes' | 'log'>;
const holderWatches = new WeakMap<object, Map<string, AbortController>>();

/**
 * Marks the sandbox NOTREADY when its pid holder exits (the kubelet then replaces the pod,
 * as it does when containerd's pause exits). One watch per sandbox per deps (a restart
 * re-arms them); ended by unwatchPidHolder. The record is the only state it touches.
 */
export function watchPidHolder(deps: WatchDeps, s: SandboxRecord): void {
  if (!s.pidHolder) return;
  const watches = holderWatches.get(deps.sandboxes) ?? new Map<string, AbortController>();
  holderWatches.set(deps.sandboxes, watches);
  if (watches.has(s.id)) return;
  const ac = new AbortController();
  watches.set(s.id, ac);
  deps.oci.waitExit(holderDirOf(s), ac.signal)
    .then(async (exit) => {
      const current = deps.sandboxes.find(s.id);
      if (current?.state !== 'SANDBOX_READY') return;
      deps.log(`sandbox ${s.id}: pid namespace holder exited (code ${exit.exitCode}); the sandbox is not ready`);
      await deps.sandboxes.update(s.id, (r) => void (r.state = 'SANDBOX_NOTREADY'));
    })
    .catch((err: unknown) => {
      if (!ac.signal.aborted) deps.log(`sandbox ${s.id}: waiting for the pid holder: ${(err as Error).message}`);
    })
    .finally(() => {
      if (watches.get(s.id) === ac) watches.delete(s.id);
    });
}

/** Ends the watch of watchPidHolder (before the holder is stopped or its directory goes); a new one may be armed at once. */
export function unwatchPidHolder(deps: Pick<CriDeps, 'sandboxes'>, id: string): void {
  const watches = holderWatches.get(deps.sandboxes);
  const ac = watches?.get(id);
  watches?.delete(id);
  ac?.abort();
}

const holderDirOf = (s: SandboxRecord): string => holderDir({ sandboxDir: s.dir });

/**
 * Stops every container of the pod (SIGKILL, as containerd does), then the pid holder if
 * the pod has one (unwatched, so its exit is not reported as a death), and detaches the pod
 * from the network. Idempotent; rejects with the failing step's error.
 */
export async function stopSandbox(deps: CriDeps, s: SandboxRecord): Promise<void> {
  for (const c of deps.containers.list().filter((c) => c.sandboxId === s.id)) {
    await deps.locks.run(c.id, () => stopContainer(deps, deps.containers.find(c.id) ?? c, 0));
  }
  if (s.pidHolder) {
    // An exit the stop causes is no death to report: unwatched first, watched again if it fails.
    unwatchPidHolder(deps, s.id);
    await stopPidHolder(pidHolderDepsOf(deps), pidHolderRefOf(s)).catch((err: unknown) => {
      watchPidHolder(deps, deps.sandboxes.find(s.id) ?? s);
      throw err;
    });
  }
  if (s.netns) await teardownNetwork(sandboxDepsOf(deps, await deps.network()), s.id, s.config, resourcesOf(s));
  if (s.state !== 'SANDBOX_NOTREADY') await deps.sandboxes.update(s.id, (r) => void (r.state = 'SANDBOX_NOTREADY'));
}

/** Removes the pod's containers, namespaces, files and record. Idempotent. */
export async function destroySandbox(deps: CriDeps, s: SandboxRecord): Promise<void> {
  await stopSandbox(deps, s);
  for (const c of deps.containers.list().filter((c) => c.sandboxId === s.id)) {
    await deps.locks.run(c.id, async () => {
      const current = deps.containers.find(c.id);
      if (current) await removeContainer(deps, current);
    });
  }
  if (s.pidHolder) {
    unwatchPidHolder(deps, s.id);
    await removePidHolder(pidHolderDepsOf(deps), pidHolderRefOf(s));
  }
  await removeSandbox(sandboxDepsOf(deps, undefined), resourcesOf(s));
  await deps.cgroups.remove(s.cgroup).catch((err: unknown) => deps.log(`sandbox ${s.id}: cgroup ${s.cgroup}: ${(err as Error).message}`));
  await deps.sandboxes.delete(s.id);
  forgetStats(`pod:${s.id}`);
}
