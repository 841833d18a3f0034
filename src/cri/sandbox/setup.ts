// What RunPodSandbox, StopPodSandbox and RemovePodSandbox do to the machine for a pod:
// setupSandbox builds it with an undo stack, teardownNetwork and removeSandbox take it
// apart and succeed when there is nothing left to take.
import { join } from 'node:path';
import type { Files } from '../../host/files/types.js';
import { Rollback } from '../../rollback.js';
import { trace } from '../../trace.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { Host } from '../../host/index.js';
import { HOST_ETC, writePodFiles, type HostEtc } from './files.js';
import { createNamespaces, namespaceModes, namespacePaths, removeNamespaces } from './namespaces.js';
import { addPodNetwork, delPodNetwork, delPodNetworkBestEffort, runtimeConf, type PodIps, type PodNetwork } from './network.js';
import { mountShm, unmountTree } from './shm.js';
import { applyNetSysctls, planSysctls } from './sysctls.js';

export interface SandboxDeps {
  host: Host;
  files: Files;
  /** The pod network (CNI); undefined: no CNI configuration yet, so only host-network pods can run. */
  network: PodNetwork | undefined;
  /** Holds one directory per pod, and .pins/ with every pod's namespace pins (a shared mount point once used). */
  runDir: string;
  /** The node's /etc files and hostname (tests point them elsewhere). */
  etc?: HostEtc;
}

/** Everything setupSandbox made; plain JSON, so it can be kept with the sandbox's state. */
export interface SandboxResources {
  /** <runDir>/<id>: the pod's files and its shm mount point. */
  dir: string;
  /** Namespace pins (<runDir>/.pins/<id>-net|ipc|uts); absent = the node's namespace. */
  netns?: string;
  ipc?: string;
  uts?: string;
  hostname: string;
  hostnameFile: string;
  hostsFile: string;
  resolvConf: string;
  /** The pod's /dev/shm (a tmpfs); absent for a host-ipc pod, which uses the node's /dev/shm. */
  shm?: string;
  /** From the CNI result: eth0's first IPv4 address, then the others. */
  ip?: string;
  additionalIps: string[];
  /** The pod's ipc sysctls (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*), always set by
   *  setupSandbox: the container layer puts them in each container's OCI spec (linux.sysctl),
   *  since they are set from inside the ipc namespace. Not needed for teardown or removal. */
  ipcSysctls?: Record<string, string>;
}

const log = trace('sandbox');

export function sandboxDir(runDir: string, id: string): string {
  return join(runDir, id);
}

/**
 * Where setupSandbox puts a pod's pins, directory and shm, known before it runs: for cleaning
 * up after a crash in the middle of it (a record still 'creating' on restart), with
 * teardownNetwork and removeSandbox, which accept this in place of the full resources.
 */
export function plannedResources(runDir: string, id: string, config: PodSandboxConfig__Output): SandboxResources {
  const modes = namespaceModes(config);
  const dir = sandboxDir(runDir, id);
  return {
    dir, ...namespacePaths(runDir, id, modes), ...(modes.hostIpc ? {} : { shm: join(dir, 'shm') }),
    hostname: '', hostnameFile: join(dir, 'hostname'), hostsFile: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf'), additionalIps: [],
  };
}

/**
 * Creates everything for a pod: namespaces (pinned, lo up, hostname set), the files, the
 * shm, CNI ADD and net.* sysctls. On any failure undoes what it did (CNI DEL, unpin,
 * unmount, remove the directory) and rethrows. Rejects with CriError invalidArgument (a
 * bad id, a sysctl the pod's namespaces do not allow, a malformed bandwidth annotation,
 * before anything is done), CriError failedPrecondition (a pod network but no CNI
 * configuration), HostError (EEXIST: the id is in use; the kernel's refusals), the
 * plugin's CniError, or an fs error.
 */
export async function setupSandbox(deps: SandboxDeps, id: string, config: PodSandboxConfig__Output): Promise<SandboxResources> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw invalidArgument(`sandbox id "${id}" is not a valid file name`);
  const modes = namespaceModes(config);
  const sysctls = planSysctls(config.linux?.sysctls ?? {}, modes);
  const network = modes.hostNetwork ? undefined : deps.network;
  if (!modes.hostNetwork && !network) throw failedPrecondition('network plugin not ready: no CNI configuration, so only host-network pods can run');
  if (network) runtimeConf(id, config, ''); // its capability arguments are checked now, before anything exists
  const dir = sandboxDir(deps.runDir, id);
  const paths = namespacePaths(deps.runDir, id, modes);
  await deps.files.mkdir(deps.runDir, { recursive: true });
  await deps.files.mkdir(dir, { mode: 0o711 }); // EEXIST: not ours to undo, so before the first undo step
  const undoLog = (what: string, err: Error) => log(() => `sandbox ${id}: undo "${what}" failed: ${err.message}`);
  return Rollback.run(undoLog, async (rb) => {
    rb.push(`remove ${dir}`, () => deps.files.remove(dir));
    // All or nothing itself; a pin that exists (EEXIST) is someone else's and stays.
    await createNamespaces(deps.host, paths, !modes.hostNetwork && config.hostname ? config.hostname : undefined);
    rb.push('unpin namespaces', () => removeNamespaces(deps.host, paths));
    const files = await writePodFiles(deps.files, dir, config, modes.hostNetwork, deps.etc ?? HOST_ETC);
    const shm = modes.hostIpc ? undefined : join(dir, 'shm');
    if (shm) {
      rb.push(`unmount ${shm}`, () => unmountTree(deps.host.mounter, shm));
      await mountShm(deps.host.mounter, deps.files, shm);
    }
    let ips: PodIps = { additionalIps: [] };
    if (network && paths.netns) {
      const netns = paths.netns;
      rb.push('CNI DEL', () => delPodNetworkBestEffort(network, id, config, netns));
      ips = await addPodNetwork(network, id, config, netns);
      // After ADD, so keys of eth0 itself (net.ipv4.conf.eth0.*) exist.
      await applyNetSysctls(deps.host, netns, sysctls.net);
    }
    return { dir, ...paths, ...files, ...(shm ? { shm } : {}), ...(ips.ip ? { ip: ips.ip } : {}), additionalIps: ips.additionalIps, ipcSysctls: sysctls.ipc };
  });
}

/**
 * Stops the pod's networking: CNI DEL, with an empty netns path when the netns is already
 * gone, as containerd does, so the plugins still free addresses and host-side state.
 * Idempotent; nothing to do for a host-network pod. Rejects with CriError failedPrecondition
 * when the pod has a network but there is no CNI configuration to run DEL with, and with
 * the first failing plugin's CniError (the caller retries, as the kubelet does).
 */
export async function teardownNetwork(deps: SandboxDeps, id: string, config: PodSandboxConfig__Output, res: SandboxResources): Promise<void> {
  if (!res.netns) return;
  if (!deps.network) throw failedPrecondition(`cannot tear down the network of sandbox ${id}: no CNI configuration`);
  const live = await deps.host.netns.exists(res.netns);
  await delPodNetwork(deps.network, id, config, live ? res.netns : '');
}

/**
 * Removes what setupSandbox made besides the network (call teardownNetwork first): unpins
 * the namespaces, unmounts the shm and anything else below the directory, deletes it.
 * Idempotent: everything may already be gone. Rejects with the HostError of an unpin or
 * unmount, or an fs error; the directory is kept while something is still mounted in it.
 */
export async function removeSandbox(deps: SandboxDeps, res: SandboxResources): Promise<void> {
  await removeNamespaces(deps.host, res);
  await unmountTree(deps.host.mounter, res.dir);
  await deps.files.remove(res.dir);
}
