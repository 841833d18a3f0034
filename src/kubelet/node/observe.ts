// The impure half of a status sync: ask the runtime (CRI Version, Status, ListImages) and the
// machine (the nodeinfo seam), so status.ts can stay a pure function of the answers.
import type { CriClient } from '../../cri/client.js';
import type { NodeInfo } from '../../host/nodeinfo/types.js';
import { afterStatus, type RuntimeHealth } from './runtime-health.js';
import type { Observed } from './status.js';

/** The CRI calls the node agent makes (a CriClient has them). */
export interface NodeCri {
  runtime: Pick<CriClient['runtime'], 'version' | 'status' | 'updateRuntimeConfig'>;
  image: Pick<CriClient['image'], 'listImages'>;
}

export interface ObserveInput {
  cri: NodeCri;
  nodeInfo: NodeInfo;
  rootDir: string;
  nodeIp: string;
  hostname: string;
  kubeletPort: number;
  health: RuntimeHealth;
  now: number;
}

/**
 * Rejects with the nodeinfo seam's HostError when the machine cannot be read; a failing CRI
 * call only leaves its part out (the old value stays), as upstream's setters do.
 */
export async function observe(i: ObserveInput): Promise<Observed> {
  const [machine, rootFs, workingSetBytes, version, status, images] = await Promise.all([
    i.nodeInfo.machine(), i.nodeInfo.filesystem(i.rootDir), i.nodeInfo.memoryWorkingSetBytes(),
    i.cri.runtime.version({}).catch(() => undefined), i.cri.runtime.status({}).catch(() => undefined), i.cri.image.listImages({}).catch(() => undefined),
  ]);
  return {
    nodeIp: i.nodeIp, hostname: i.hostname, kubeletPort: i.kubeletPort, machine, rootFs, workingSetBytes, now: i.now,
    health: status ? afterStatus(i.health, status.status?.conditions ?? [], i.now) : i.health,
    ...(version ? { runtime: { name: version.runtimeName, version: version.runtimeVersion } } : {}),
    ...(images ? { images: images.images } : {}),
    ...(status ? { handlers: status.runtimeHandlers } : {}),
  };
}
