// What the pod worker's steps share: the manager's deps, the runtime's name, the per-pod
// backoffs and a way to come back to a pod later. Built once by startPodManager.
import { join } from 'node:path';
import type { Container, Pod } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { PodManagerDeps } from '../types.js';
import type { Backoff } from './backoff.js';
import type { SandboxContext } from './sandbox-config.js';
import type { StatusWriter } from './status-writer.js';

export interface SyncContext {
  readonly deps: PodManagerDeps;
  /** CRI Version's runtimeName: the `<runtime>://` of containerIDs. */
  readonly runtimeName: string;
  readonly sandbox: SandboxContext;
  /** Restarts of exited containers (CrashLoopBackOff), keyed by pod uid, container name and hash. */
  readonly crashBackoff: Backoff;
  /** Failed pulls (ImagePullBackOff), keyed by pod uid and image. */
  readonly imageBackoff: Backoff;
  readonly status: StatusWriter;
  /** Events as upstream's kubelet records them (Pulling, Created, BackOff, FailedMount...). */
  readonly events: EventRecorder;
  /** Syncs the pod again after ms (an earlier wake-up already scheduled wins). */
  requeueAfter(uid: string, ms: number): void;
}

/** Where the pods' log directories live: below the root dir, so each kubelet (and test) has its own. */
export const podLogsDir = (rootDir: string): string => join(rootDir, 'pod-logs');

/** `name_namespace(uid)`: how upstream's messages name a pod (format.Pod). */
export const podRef = (pod: Pod): string => `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;

/** The part of the pod an event about container c names (upstream's container reference fieldPath). */
export function containerFieldPath(pod: Pod, c: Pick<Container, 'name'>): string {
  const init = (pod.spec?.initContainers ?? []).some((i) => i.name === c.name);
  return `spec.${init ? 'initContainers' : 'containers'}{${c.name}}`;
}
