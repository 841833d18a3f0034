// Capacity and allocatable (upstream nodestatus.MachineInfo and the container manager's
// GetNodeAllocatableAbsolute): allocatable is capacity minus kube-reserved and system-reserved
// (both 0 by default) minus the hard eviction thresholds, which upstream holds back too.
import { formatQuantity } from '../../api/quantity.js';
import type { FsStats, MachineFacts } from '../../host/nodeinfo/types.js';

/** Upstream --max-pods default. */
export const MAX_PODS = 110;

/** Upstream's default hard eviction thresholds that reserve capacity: memory.available<100Mi, nodefs.available<10%. */
export const EVICTION_MEMORY_AVAILABLE_BYTES = 100 * 1024 * 1024;
// Upstream keeps percentages as float32: 10% of a disk is capacity × float32(0.1), truncated.
export const EVICTION_NODEFS_AVAILABLE_FRACTION = Math.fround(0.1);
export const EVICTION_NODEFS_INODES_FREE_FRACTION = Math.fround(0.05);

export interface Resources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

/** Quantities as upstream prints them: bytes in binary SI (`16393236Ki`, or plain bytes when not a multiple of 1024). */
export function nodeResources(machine: MachineFacts, rootFs: FsStats): Resources {
  const storageReserve = Math.trunc(rootFs.capacityBytes * EVICTION_NODEFS_AVAILABLE_FRACTION);
  return {
    capacity: {
      cpu: String(machine.cpus),
      'ephemeral-storage': formatQuantity(rootFs.capacityBytes, true),
      memory: formatQuantity(machine.memoryBytes, true),
      pods: String(MAX_PODS),
    },
    allocatable: {
      cpu: String(machine.cpus),
      'ephemeral-storage': formatQuantity(Math.max(0, rootFs.capacityBytes - storageReserve), true),
      memory: formatQuantity(Math.max(0, machine.memoryBytes - EVICTION_MEMORY_AVAILABLE_BYTES), true),
      pods: String(MAX_PODS),
    },
  };
}

/** Which hard eviction signals are past their default threshold (upstream's eviction manager observes the same). */
export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export function pressureOf(machine: MachineFacts, workingSetBytes: number, rootFs: FsStats): Pressure {
  const memoryAvailable = machine.memoryBytes - workingSetBytes;
  return {
    memory: memoryAvailable < EVICTION_MEMORY_AVAILABLE_BYTES,
    // Thresholds in percent become whole units first (upstream GetThresholdQuantity truncates).
    disk: rootFs.availableBytes < Math.trunc(rootFs.capacityBytes * EVICTION_NODEFS_AVAILABLE_FRACTION)
      || (rootFs.inodes > 0 && rootFs.inodesFree < Math.trunc(rootFs.inodes * EVICTION_NODEFS_INODES_FREE_FRACTION)),
    // Upstream has no default pid.available threshold on Linux.
    pid: false,
  };
}
