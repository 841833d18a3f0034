// RuntimeService handlers for sandboxes and containers.
import { attach } from './attach.js';
import { containerStats } from './container-stats.js';
import { containerStatus } from './container-status.js';
import { createContainer } from './create-container.js';
import { execSync } from './exec-sync.js';
import { exec } from './exec.js';
import { getContainerEvents } from './get-container-events.js';
import { listContainerStats } from './list-container-stats.js';
import { listContainers } from './list-containers.js';
import { listPodSandboxStats } from './list-pod-sandbox-stats.js';
import { listPodSandbox } from './list-pod-sandbox.js';
import { podSandboxStats } from './pod-sandbox-stats.js';
import { portForward } from './port-forward.js';
import { podSandboxStatus } from './pod-sandbox-status.js';
import { removeContainer } from './remove-container.js';
import { removePodSandbox } from './remove-pod-sandbox.js';
import { reopenContainerLog } from './reopen-container-log.js';
import { runPodSandbox } from './run-pod-sandbox.js';
import { startContainer } from './start-container.js';
import { stopContainer } from './stop-container.js';
import { stopPodSandbox } from './stop-pod-sandbox.js';
import type { RuntimeHandlers } from './types.js';
import { updateContainerResources } from './update-container-resources.js';

export const sandboxRpcs: RuntimeHandlers = {
  RunPodSandbox: runPodSandbox,
  StopPodSandbox: stopPodSandbox,
  RemovePodSandbox: removePodSandbox,
  PodSandboxStatus: podSandboxStatus,
  ListPodSandbox: listPodSandbox,
  PodSandboxStats: podSandboxStats,
  PortForward: portForward,
  ListPodSandboxStats: listPodSandboxStats,
};

export const containerRpcs: RuntimeHandlers = {
  CreateContainer: createContainer,
  StartContainer: startContainer,
  StopContainer: stopContainer,
  RemoveContainer: removeContainer,
  ContainerStatus: containerStatus,
  ListContainers: listContainers,
  UpdateContainerResources: updateContainerResources,
  ReopenContainerLog: reopenContainerLog,
  ExecSync: execSync,
  Exec: exec,
  Attach: attach,
  ContainerStats: containerStats,
  ListContainerStats: listContainerStats,
  GetContainerEvents: getContainerEvents,
};
