// RunPodSandbox: pins the pod's namespaces, writes its files, attaches it to the pod network,
// and for pid mode POD (shareProcessNamespace) starts the pid namespace holder. The record
// is written first (phase 'creating', with the resources it is about to make) so a crash
// mid-way is cleaned up on restart; an error here unwinds one undo stack: the holder, the
// network, the pod's namespaces and files, the record (setupSandbox first undoes its own steps).
import { namespaceModes } from '../sandbox/namespaces.js';
import { Rollback } from '../../rollback.js';
import type { RuntimeRpcs } from '../api.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { sandboxName } from '../lifecycle/names.js';
import { pidHolderDepsOf, pidHolderRefOf, sandboxDepsOf, watchPidHolder } from '../lifecycle/sandboxes.js';
import type { SandboxRecord } from '../state/records.js';
import { RecordStore } from '../state/store.js';
import { plannedResources, removePidHolder, removeSandbox, setupSandbox, startPidHolder, teardownNetwork, type SandboxResources } from '../sandbox/index.js';
import type { Handler } from './types.js';

/** What the record keeps of setupSandbox's result: the ipc sysctls are only for creating containers' specs. */
function kept(res: SandboxResources): SandboxResources {
  const resources = { ...res };
  delete resources.ipcSysctls;
  return resources;
}

export const runPodSandbox: Handler<RuntimeRpcs['RunPodSandbox']> = async (req, { deps }) => {
  sandboxName(req.config);
  const config = req.config!;
  if (req.runtimeHandler) throw invalidArgument(`runtime handler "${req.runtimeHandler}" is not configured (only the default "")`);
  const id = RecordStore.newId();
  const parent = config.linux?.cgroupParent ? config.linux.cgroupParent.replace(/^\/+/, '') : `${deps.defaultCgroupParent}/pod${config.metadata!.uid}`;
  const planned = plannedResources(deps.dirs.sandboxes, id, config);
  const record: SandboxRecord = {
    id, phase: 'creating', state: 'SANDBOX_NOTREADY', config, createdAt: deps.state.nowNanos(), runtimeHandler: '', resources: planned, cgroup: parent,
  };
  await deps.state.sandboxes.add(record);
  const undoFailed = (what: string, err: Error) => deps.log(`sandbox ${id}: undo "${what}" failed: ${err.message}`);
  return deps.state.locks.run(id, () => Rollback.run(undoFailed, async (rb) => {
    rb.push('drop the record', () => deps.state.sandboxes.delete(id));
    // setupSandbox undoes its own steps when it fails; these cover a failure after it.
    rb.push('remove the pod\'s namespaces and files', () => removeSandbox(sandboxDepsOf(deps, undefined), planned));
    rb.push('CNI DEL', async () => teardownNetwork(sandboxDepsOf(deps, await deps.network().catch(() => undefined)), id, config, planned));
    const { hostNetwork } = namespaceModes(config);
    const network = hostNetwork ? undefined : await deps.network();
    if (!hostNetwork && !network) throw failedPrecondition('the pod network is not ready: no CNI configuration found');
    const res = await setupSandbox(sandboxDepsOf(deps, network), id, config);
    await deps.cgroups.create(parent);
    const sharedPid = config.linux?.securityContext?.namespaceOptions?.pid === 'POD';
    // A holder startPidHolder found (EEXIST) is not this call's: it rejects, and nothing is pushed.
    const holder = sharedPid ? await startPidHolder(pidHolderDepsOf(deps), pidHolderRefOf(record), res) : undefined;
    if (holder) rb.push('remove the pid holder', () => removePidHolder(pidHolderDepsOf(deps), pidHolderRefOf(record)));
    const ready = await deps.state.moveSandbox(id, 'SANDBOX_READY', (r) => {
      r.resources = kept(res);
      if (holder) r.pidHolder = holder.id;
    });
    watchPidHolder(deps, ready);
    return { podSandboxId: id };
  }));
};
