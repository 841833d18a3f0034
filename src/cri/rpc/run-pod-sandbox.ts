// RunPodSandbox: pins the pod's namespaces, writes its files, attaches it to the pod network,
// and for pid mode POD (shareProcessNamespace) starts the pid namespace holder. The record
// is written first (phase 'creating') so a crash mid-way is cleaned up on restart; an error
// here undoes everything (setupSandbox's own undo, then the record).
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { sandboxName } from '../lifecycle/names.js';
import { pidHolderDepsOf, pidHolderRefOf, sandboxDepsOf, watchPidHolder } from '../lifecycle/sandboxes.js';
import { nowNanos, type SandboxRecord } from '../state/records.js';
import { RecordStore } from '../state/store.js';
import { plannedResources, removePidHolder, removeSandbox, setupSandbox, startPidHolder, teardownNetwork } from '../sandbox/index.js';
import { join } from 'node:path';
import type { Handler } from './types.js';

export const runPodSandbox: Handler<RuntimeRpcs['RunPodSandbox']> = async (req, { deps }) => {
  sandboxName(req.config);
  const config = req.config!;
  if (req.runtimeHandler) throw invalidArgument(`runtime handler "${req.runtimeHandler}" is not configured (only the default "")`);
  const id = RecordStore.newId();
  const parent = config.linux?.cgroupParent ? config.linux.cgroupParent.replace(/^\/+/, '') : `${deps.defaultCgroupParent}/pod${config.metadata!.uid}`;
  const record: SandboxRecord = {
    id, phase: 'creating', state: 'SANDBOX_NOTREADY', config, createdAt: nowNanos(), runtimeHandler: '',
    dir: join(deps.dirs.sandboxes, id), additionalIps: [], cgroup: parent,
  };
  await deps.sandboxes.add(record);
  return deps.locks.run(id, async () => {
    let holderStarted = false;
    try {
      const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
      const network = hostNetwork ? undefined : await deps.network();
      if (!hostNetwork && !network) throw failedPrecondition('the pod network is not ready: no CNI configuration found');
      const res = await setupSandbox(sandboxDepsOf(deps, network), id, config);
      await deps.cgroups.create(parent);
      const sharedPid = config.linux?.securityContext?.namespaceOptions?.pid === 'POD';
      const holder = sharedPid ? await startPidHolder(pidHolderDepsOf(deps), pidHolderRefOf(record), res) : undefined;
      holderStarted = Boolean(holder);
      const ready = await deps.sandboxes.update(id, (r) => {
        Object.assign(r, {
          phase: 'created', state: 'SANDBOX_READY', netns: res.netns, ipc: res.ipc, uts: res.uts, hostsFile: res.hostsFile,
          resolvConf: res.resolvConf, hostnameFile: res.hostnameFile, shm: res.shm, ip: res.ip, additionalIps: res.additionalIps,
          ...(holder ? { pidHolder: holder.id } : {}),
        });
      });
      watchPidHolder(deps, ready);
      return { podSandboxId: id };
    } catch (err) {
      // setupSandbox and startPidHolder undo their own steps; this covers what failed after
      // them (the holder when the record could not be written, the network, the cgroup).
      // Only a holder this call started: startPidHolder leaves one it found (EEXIST) alone.
      if (holderStarted) await removePidHolder(pidHolderDepsOf(deps), pidHolderRefOf(record)).catch(() => undefined);
      const sdeps = sandboxDepsOf(deps, await deps.network().catch(() => undefined));
      const planned = plannedResources(deps.dirs.sandboxes, id, config);
      await teardownNetwork(sdeps, id, config, planned).catch(() => undefined);
      await removeSandbox(sdeps, planned).catch(() => undefined);
      await deps.sandboxes.delete(id);
      throw err;
    }
  });
};
