// The Node's status as a pure function of what was observed this sync and the status the
// server holds (upstream's defaultNodeStatusFuncs: addresses, machine info, version info,
// daemon endpoints, images, runtime handlers, then the conditions). Fields the kubelet does not
// own (volumesAttached, config...) are carried over untouched.
import type { NodeRuntimeHandler, NodeStatus, NodeSystemInfo } from '../../api/types.js';
import { jsonEqual } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';
import type { FsStats, MachineFacts } from '../../host/nodeinfo/types.js';
import { nodeResources, pressureOf } from './capacity.js';
import { nodeConditions } from './conditions.js';
import { nodeImages, type CriImage } from './images.js';
import { readinessErrors, type RuntimeHealth } from './runtime-health.js';
import { apiTime } from '../../api/go-time.js';
import { KUBELET_VERSION } from './version.js';

export interface Observed {
  nodeIp: string;
  hostname: string;
  kubeletPort: number;
  machine: MachineFacts;
  /** The filesystem of the kubelet's root dir (ephemeral-storage, DiskPressure). */
  rootFs: FsStats;
  workingSetBytes: number;
  /** From CRI Version; undefined when the call failed (the old value stays, as upstream). */
  runtime?: { name: string; version: string };
  /** From CRI ListImages; undefined when the call failed (the old list stays). */
  images?: readonly CriImage[];
  /** From CRI Status; undefined when the call failed. */
  handlers?: readonly { name: string; features: { recursiveReadOnlyMounts: boolean; userNamespaces: boolean } | null }[];
  health: RuntimeHealth;
  /** Epoch ms. */
  now: number;
}

export function nodeStatus(old: NodeStatus | undefined, o: Observed): NodeStatus {
  const prev = old ?? {};
  const { capacity, allocatable } = nodeResources(o.machine, o.rootFs);
  const required = ['cpu', 'memory', 'pods'].filter((r) => (ownValue(capacity, r) ?? '0') === '0');
  const notReady = readinessErrors(o.health, o.now);
  if (required.length) notReady.push(`missing node capacity for resources: ${required.join(', ')}`);
  const nodeInfo: NodeSystemInfo = {
    machineID: o.machine.machineID, systemUUID: o.machine.systemUUID, bootID: o.machine.bootID,
    kernelVersion: o.machine.kernelVersion, osImage: o.machine.osImage,
    containerRuntimeVersion: o.runtime ? `${o.runtime.name}://${o.runtime.version}` : prev.nodeInfo?.containerRuntimeVersion ?? '',
    kubeletVersion: KUBELET_VERSION, kubeProxyVersion: '',
    operatingSystem: o.machine.operatingSystem, architecture: o.machine.architecture,
  };
  const status: NodeStatus = {
    ...prev,
    capacity: { ...prev.capacity, ...capacity },
    allocatable: { ...prev.allocatable, ...allocatable },
    conditions: nodeConditions(prev.conditions ?? [], pressureOf(o.machine, o.workingSetBytes, o.rootFs), notReady, apiTime(o.now)),
    addresses: [{ type: 'InternalIP', address: o.nodeIp }, { type: 'Hostname', address: o.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
    nodeInfo,
  };
  const images = o.images ? nodeImages(o.images) : prev.images;
  if (images) status.images = images;
  const handlers = o.handlers ? runtimeHandlers(o.handlers) : prev.runtimeHandlers;
  if (handlers) status.runtimeHandlers = handlers;
  return status;
}

function runtimeHandlers(hs: NonNullable<Observed['handlers']>): NodeRuntimeHandler[] {
  return hs.map((h) => ({ name: h.name, features: { recursiveReadOnlyMounts: h.features?.recursiveReadOnlyMounts ?? false, userNamespaces: h.features?.userNamespaces ?? false } }));
}

/** Whether anything but the conditions' heartbeat times differs (upstream nodeStatusHasChanged). */
export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) => ({ ...s, conditions: (s?.conditions ?? []).map(({ lastHeartbeatTime: _, ...c }) => c) });
  return !jsonEqual(strip(a), strip(b));
}
