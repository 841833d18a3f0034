// Pod sysctls: which namespace each belongs to (the kubelet's table in
// pkg/kubelet/sysctl/namespace.go), whether the pod has that namespace of its own, and
// applying the network ones in the pod's netns.
import { setOwn } from '../../own-keys.js';
import { invalidArgument } from '../errors.js';
import type { Host } from '../../host/index.js';
import type { NamespaceModes } from './namespaces.js';

export interface SysctlPlan {
  /** Set by setupSandbox inside the pod's netns. */
  net: [key: string, value: string][];
  /** For the container layer: put them in each container's OCI spec (linux.sysctl); runc
   *  sets them inside the pod's ipc namespace, which the containers join. */
  ipc: Record<string, string>;
}

/** The kind of namespace a sysctl lives in, or undefined when it is node-wide. Dotted or slashed keys. */
export function sysctlNamespace(key: string): 'net' | 'ipc' | undefined {
  const k = key.replaceAll('/', '.');
  if (k.startsWith('net.')) return 'net';
  if (k === 'kernel.sem' || k.startsWith('kernel.shm') || k.startsWith('kernel.msg') || k.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/**
 * Sorts the pod's sysctls by namespace. Rejects (CriError invalidArgument, naming every
 * offending key) a node-wide sysctl, a net.* one on a host-network pod and an ipc one on a
 * host-ipc pod: setting them would change the node.
 */
export function planSysctls(sysctls: Readonly<Record<string, string>>, modes: NamespaceModes): SysctlPlan {
  const plan: SysctlPlan = { net: [], ipc: {} };
  const refused: string[] = [];
  for (const [key, value] of Object.entries(sysctls).sort(([a], [b]) => a.localeCompare(b))) {
    const ns = sysctlNamespace(key);
    if (ns === undefined) refused.push(`${key} (not namespaced: it would change the node)`);
    else if (ns === 'net' && modes.hostNetwork) refused.push(`${key} (the pod uses the node's network namespace)`);
    else if (ns === 'ipc' && modes.hostIpc) refused.push(`${key} (the pod uses the node's ipc namespace)`);
    else if (ns === 'net') plan.net.push([key, value]);
    else setOwn(plan.ipc, key, value);
  }
  if (refused.length) throw invalidArgument(`sysctls not allowed for this pod: ${refused.join(', ')}`);
  return plan;
}

/**
 * Sets network sysctls inside the pod's netns, in order. Rejects with the Sysctl seam's
 * HostError (ENOENT: no such key, e.g. an interface that does not exist; EINVAL: the kernel
 * refused the value), with the key in its message.
 */
export async function applyNetSysctls(host: Host, netns: string, sysctls: SysctlPlan['net']): Promise<void> {
  for (const [key, value] of sysctls) await host.sysctl.set(key, value, netns);
}
