// Sandbox transitions shared by Stop/Remove and restart recovery:
//   (creating) ──RunPodSandbox──▶ READY ──stop──▶ NOTREADY ──remove──▶ (gone)
import type { CriDeps, PodNetwork } from '../deps.js';
import { removeSandbox, teardownNetwork, type SandboxDeps, type SandboxResources } from '../sandbox/index.js';
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

/** Stops every container of the pod (SIGKILL, as containerd does) and detaches the pod from the network. Idempotent. */
export async function stopSandbox(deps: CriDeps, s: SandboxRecord): Promise<void> {
  for (const c of deps.containers.list().filter((c) => c.sandboxId === s.id)) {
    await deps.locks.run(c.id, () => stopContainer(deps, deps.containers.find(c.id) ?? c, 0));
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
  await removeSandbox(sandboxDepsOf(deps, undefined), resourcesOf(s));
  await deps.cgroups.remove(s.cgroup).catch((err: unknown) => deps.log(`sandbox ${s.id}: cgroup ${s.cgroup}: ${(err as Error).message}`));
  await deps.sandboxes.delete(s.id);
  forgetStats(`pod:${s.id}`);
}
