// What a pod worker does next, decided from the pod and what the runtime holds: upstream's
// kuberuntime_manager.go computePodActions, as a pure function so each rule is unit-tested.
// Backoff is not decided here: the worker asks it before each (re)start.
import type { Container, Pod } from '../../api/types.js';
import { containerHash } from './labels.js';
import { latestByName, type ContainerView, type PodRuntime } from './runtime-view.js';

export interface PodActions {
  /** Stop every container and the sandbox (before a new sandbox, or because the pod is done). */
  killPod: boolean;
  createSandbox: boolean;
  /** The attempt of the sandbox to create (one more than the newest there is). */
  attempt: number;
  /** The ready sandbox the containers join (when none is created). */
  sandboxId?: string;
  /** The init container to (re)start next; regular containers wait until all have succeeded. */
  initToStart?: Container;
  containersToStart: Container[];
  /** Running containers to stop, and why (a changed spec). */
  containersToKill: { id: string; name: string; reason: string }[];
}

const restartPolicy = (pod: Pod) => pod.spec?.restartPolicy ?? 'Always';

/** Whether an absent or stopped container is started (again) under the pod's restart policy. */
export function shouldRestart(pod: Pod, status: ContainerView | undefined): boolean {
  if (!status) return true;
  if (status.state === 'RUNNING') return false;
  if (status.state === 'CREATED' || status.state === 'UNKNOWN') return true;
  const policy = restartPolicy(pod);
  if (policy === 'Never') return false;
  return !(policy === 'OnFailure' && status.exitCode === 0);
}

/** Whether the sandbox must be made anew, and with which attempt (upstream podSandboxChanged). */
export function sandboxChanged(pod: Pod, r: PodRuntime): { create: boolean; attempt: number; sandboxId?: string } {
  const newest = r.sandboxes[0];
  if (!newest) return { create: true, attempt: 0 };
  const attempt = newest.attempt + 1;
  if (r.sandboxes.filter((s) => s.ready).length > 1) return { create: true, attempt };
  if (!newest.ready) return { create: true, attempt };
  if (!pod.spec?.hostNetwork && newest.ips.length === 0) return { create: true, attempt };
  return { create: false, attempt: newest.attempt, sandboxId: newest.id };
}

type InitStep = { done: true } | { done: false; start?: Container; failed?: boolean };

/** A restartable init container (restartPolicy Always): a sidecar that keeps running beside the app. */
export const isSidecar = (c: Container): boolean => c.restartPolicy === 'Always';

/**
 * Walks the init containers in order: the first not yet succeeded is waited on, started or
 * restarted. A sidecar counts as done once it runs (the next init container then starts); once
 * the app's containers have run, sidecars are restarted beside them instead.
 */
function nextInit(pod: Pod, latest: ReturnType<typeof latestByName>): InitStep {
  const appStarted = (pod.spec?.containers ?? []).some((c) => latest.has(c.name));
  for (const c of pod.spec?.initContainers ?? []) {
    const s = latest.get(c.name)?.current;
    if (isSidecar(c)) {
      if (s?.state === 'RUNNING' || appStarted) continue;
      return { done: false, start: c };
    }
    if (!s) return { done: false, start: c };
    if (s.state === 'RUNNING') return { done: false };
    if (s.state === 'EXITED' && s.exitCode === 0) continue;
    if (s.state === 'EXITED' && restartPolicy(pod) === 'Never') return { done: false, failed: true };
    return { done: false, start: c };
  }
  return { done: true };
}

export function computePodActions(pod: Pod, r: PodRuntime): PodActions {
  const sb = sandboxChanged(pod, r);
  const latest = latestByName(r);
  const containers = pod.spec?.containers ?? [];
  const none: PodActions = { killPod: false, createSandbox: false, attempt: sb.attempt, containersToStart: [], containersToKill: [] };
  if (sb.create) {
    // A pod that must not restart and has run once stays down rather than run everything again.
    if (restartPolicy(pod) === 'Never' && sb.attempt !== 0 && r.containers.length > 0) return { ...none, killPod: true };
    const toStart = containers.filter((c) => !(restartPolicy(pod) === 'OnFailure' && succeeded(latest.get(c.name)?.current)));
    if (toStart.length === 0) return { ...none, killPod: true };
    const first = pod.spec?.initContainers?.[0];
    // A new sandbox runs every init container again, from the first.
    return { ...none, killPod: true, createSandbox: true, ...(first ? { initToStart: first, containersToStart: [] } : { containersToStart: toStart }) };
  }
  const base = { ...none, ...(sb.sandboxId ? { sandboxId: sb.sandboxId } : {}) };
  const init = nextInit(pod, latest);
  if (!init.done) {
    if (init.failed) return { ...base, killPod: true };
    return { ...base, ...(init.start ? { initToStart: init.start } : {}) };
  }
  const containersToStart: Container[] = [];
  const containersToKill: PodActions['containersToKill'] = [];
  let keep = 0;
  for (const c of containers) {
    const s = latest.get(c.name)?.current;
    if (!s || s.state !== 'RUNNING') {
      if (shouldRestart(pod, s)) containersToStart.push(c);
      continue;
    }
    if (s.hash && s.hash !== containerHash(c)) {
      containersToKill.push({ id: s.id, name: c.name, reason: `Container ${c.name} definition changed` });
      containersToStart.push(c);
      continue;
    }
    keep++;
  }
  // Nothing runs and nothing will: the sandbox goes too (the pod has finished), sidecars with it.
  if (keep === 0 && containersToStart.length === 0) return { ...base, killPod: true };
  // Sidecars that stopped start again whatever the pod's restart policy, before the app's containers.
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => isSidecar(c) && latest.get(c.name)?.current.state !== 'RUNNING');
  return { ...base, containersToStart: [...sidecars, ...containersToStart], containersToKill };
}

const succeeded = (s: ContainerView | undefined): boolean => s?.state === 'EXITED' && s.exitCode === 0;
