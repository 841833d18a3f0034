// How records look through the CRI: status and list entries, and the list filters. Pure.
import type { Container } from '../gen/runtime/v1/Container.js';
import type { ContainerFilter__Output } from '../gen/runtime/v1/ContainerFilter.js';
import type { ContainerStatus } from '../gen/runtime/v1/ContainerStatus.js';
import type { PodSandbox } from '../gen/runtime/v1/PodSandbox.js';
import type { PodSandboxFilter__Output } from '../gen/runtime/v1/PodSandboxFilter.js';
import type { PodSandboxStatus } from '../gen/runtime/v1/PodSandboxStatus.js';
import type { ContainerRecord, SandboxRecord } from '../state/records.js';
import { ownValue } from '../../own-keys.js';

export function sandboxEntry(s: SandboxRecord): PodSandbox {
  return {
    id: s.id, metadata: s.config.metadata, state: s.state, createdAt: s.createdAt,
    labels: s.config.labels, annotations: s.config.annotations, runtimeHandler: s.runtimeHandler,
  };
}

export function sandboxStatus(s: SandboxRecord): PodSandboxStatus {
  const nsMode = s.config.linux?.securityContext?.namespaceOptions;
  return {
    ...sandboxEntry(s),
    // As containerd: the IP is reported only while the network is up.
    network: s.state === 'SANDBOX_READY' && s.resources.ip ? { ip: s.resources.ip, additionalIps: s.resources.additionalIps.map((ip) => ({ ip })) } : { ip: '', additionalIps: [] },
    linux: { namespaces: { options: { network: nsMode?.network ?? 'POD', pid: nsMode?.pid ?? 'CONTAINER', ipc: nsMode?.ipc ?? 'POD', targetId: '' } } },
  };
}

export function sandboxMatches(s: SandboxRecord, f: PodSandboxFilter__Output | null): boolean {
  if (!f) return true;
  if (f.id && !s.id.startsWith(f.id)) return false;
  if (f.state && f.state.state !== s.state) return false;
  return labelsMatch(s.config.labels, f.labelSelector);
}

export function containerEntry(c: ContainerRecord): Container {
  return {
    id: c.id, podSandboxId: c.sandboxId, metadata: c.config.metadata, image: c.config.image, imageRef: c.imageId,
    imageId: c.imageId, state: c.state, createdAt: c.createdAt, labels: c.config.labels, annotations: c.config.annotations,
  };
}

export function containerStatus(c: ContainerRecord): ContainerStatus {
  return {
    id: c.id, metadata: c.config.metadata, state: c.state, createdAt: c.createdAt, startedAt: c.startedAt,
    finishedAt: c.finishedAt, exitCode: c.exitCode, image: { ...c.config.image, image: c.image }, imageRef: c.imageId,
    imageId: c.imageId, reason: c.reason, message: c.message, labels: c.config.labels, annotations: c.config.annotations,
    mounts: c.config.mounts, logPath: c.logPath, resources: c.config.linux?.resources ? { linux: c.config.linux.resources } : null,
    stopSignal: c.config.stopSignal,
  };
}

export function containerMatches(c: ContainerRecord, f: ContainerFilter__Output | null): boolean {
  if (!f) return true;
  if (f.id && !c.id.startsWith(f.id)) return false;
  if (f.podSandboxId && !c.sandboxId.startsWith(f.podSandboxId)) return false;
  if (f.state && f.state.state !== c.state) return false;
  return labelsMatch(c.config.labels, f.labelSelector);
}

function labelsMatch(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => !!labels && ownValue(labels, k) === v);
}

/** The reason the kubelet shows for an exited container, as containerd sets it. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}
