// The status the kubelet reports for a pod (upstream kubelet_pods.go generateAPIPodStatus,
// getPhase, convertToAPIContainerStatuses and status/generate.go): a pure function of the pod
// as the API has it, what the runtime holds and why the last sync left containers waiting.
import { apiTime } from '../../api/go-time.js';
import { podQosClass } from '../../api/qos.js';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/types.js';
import { isSidecar, sandboxChanged } from './actions.js';
import { latestByName, type ContainerView, type PodRuntime } from './runtime-view.js';

/** Why a container is not running, as the last sync found (ErrImagePull, CrashLoopBackOff...). */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface StatusInput {
  pod: Pod;
  runtime: PodRuntime;
  waiting: ReadonlyMap<string, WaitingReason>;
  /** The runtime's name for containerID (`<runtime>://<id>`), from CRI Version. */
  runtimeName: string;
  nodeIp: string;
  nowMs: number;
  /** The pod is being deleted and its containers are stopped: it ends Succeeded or Failed, never Running. */
  terminal?: boolean;
  /** The kubelet failed the pod itself (DeadlineExceeded): phase Failed with this reason and message. */
  failed?: { reason: string; message: string };
}


const KUBELET_CONDITIONS = new Set(['PodScheduled', 'PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

function terminated(c: ContainerView, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}),
      ...(c.startedAtMs ? { startedAt: apiTime(c.startedAtMs) } : {}), ...(c.finishedAtMs ? { finishedAt: apiTime(c.finishedAtMs) } : {}),
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

function containerStatuses(input: StatusInput, containers: readonly Container[], old: readonly ContainerStatus[] | undefined, isInit: boolean): ContainerStatus[] {
  const latest = latestByName(input.runtime);
  const hasInit = (input.pod.spec?.initContainers?.length ?? 0) > 0;
  return containers.map((c) => {
    const seen = latest.get(c.name);
    const prior = old?.find((s) => s.name === c.name);
    let status: ContainerStatus;
    if (!seen) {
      // Its containers were removed (or never made): a finished one keeps its last word.
      if (prior?.state?.terminated) return prior;
      status = {
        name: c.name, image: c.image ?? '', imageID: '', ready: false, started: false, restartCount: prior?.restartCount ?? 0,
        state: { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } }, ...(prior?.lastState ? { lastState: prior.lastState } : {}),
      };
    } else {
      const { current, previous } = seen;
      const running = current.state === 'RUNNING';
      // A created container that is not running counts as exited, as upstream: a sync starts
      // what it creates, so one left created failed to start.
      const state: ContainerState = running ? { running: { startedAt: apiTime(current.startedAtMs) } }
        : current.state === 'EXITED' || current.state === 'CREATED' ? terminated(current, input.runtimeName) : { waiting: {} };
      status = {
        // The image as the runtime names it (containerd: the normalized repo tag), as upstream reports it.
        name: c.name, image: current.image || (c.image ?? ''), imageID: current.imageRef, containerID: `${input.runtimeName}://${current.id}`,
        // Without probes a running container is ready; an init container is once it succeeded (a sidecar while it runs).
        ready: isInit && !isSidecar(c) ? current.state === 'EXITED' && current.exitCode === 0 : running,
        started: running, restartCount: current.restartCount, state,
        ...(previous?.state === 'EXITED' ? { lastState: terminated(previous, input.runtimeName) } : {}),
      };
    }
    const why = input.waiting.get(c.name);
    if (why && !status.state?.running) {
      // A container the kubelet will not (re)start now waits, its last exit kept as lastState.
      if (status.state?.terminated) status.lastState = status.state;
      status.state = { waiting: { reason: why.reason, message: why.message } };
    }
    return status;
  });
}

type Phase = NonNullable<PodStatus['phase']>;

/** Upstream getPhase over the statuses just generated. */
export function podPhase(pod: Pod, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], terminal = false): Phase {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name));
  for (const s of init) {
    if (sidecars.has(s.name)) {
      // A sidecar holds initialization up until it runs; its exits are restarts, never failures.
      if (!s.state?.running) pendingInit++;
      continue;
    }
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.lastState?.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
    else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of regular) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !anyRegularStarted(regular)) || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

const anyRegularStarted = (regular: readonly ContainerStatus[]): boolean =>
  regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);

/** Go's %s of a []string, as upstream's condition messages print container names. */
const goList = (names: string[]): string => `[${names.join(' ')}]`;

function conditions(input: StatusInput, phase: Phase, init: ContainerStatus[], regular: ContainerStatus[]): PodCondition[] {
  const { pod } = input;
  const ready = sandboxChanged(pod, input.runtime).create ? 'False' : 'True';
  const out: PodCondition[] = [{ type: 'PodReadyToStartContainers', status: ready }];
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name));
  const incomplete = init.filter((s) => (sidecars.has(s.name) ? !s.state?.running : !(s.state?.terminated && s.state.terminated.exitCode === 0))).map((s) => s.name);
  if (phase === 'Succeeded') out.push({ type: 'Initialized', status: 'True', reason: 'PodCompleted' });
  else if (incomplete.length === 0 || anyRegularStarted(regular)) out.push({ type: 'Initialized', status: 'True' });
  else out.push({ type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` });
  // Sidecars count towards readiness as the app's containers do (upstream GenerateContainersReadyCondition).
  const unready = [...init.filter((s) => sidecars.has(s.name)), ...regular].filter((s) => !s.ready).map((s) => s.name);
  const containersReady: PodCondition = phase === 'Succeeded' ? { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }
    : unready.length ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` }
      : { type: 'ContainersReady', status: 'True' };
  out.push({ ...containersReady, type: 'Ready' }, containersReady, { type: 'PodScheduled', status: 'True' });
  return out;
}

/** Keeps a condition's lastTransitionTime while its status stays; a new or changed one is stamped now. */
function stamp(conds: PodCondition[], old: readonly PodCondition[] | undefined, nowMs: number): PodCondition[] {
  return conds.map((c) => {
    const prior = old?.find((o) => o.type === c.type);
    const lastTransitionTime = prior && prior.status === c.status && prior.lastTransitionTime ? prior.lastTransitionTime : apiTime(nowMs);
    return { type: c.type, status: c.status, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  });
}

export function generatePodStatus(input: StatusInput): PodStatus {
  const { pod, runtime, nodeIp, nowMs } = input;
  const old = pod.status ?? {};
  const init = containerStatuses(input, pod.spec?.initContainers ?? [], old.initContainerStatuses, true);
  const regular = containerStatuses(input, pod.spec?.containers ?? [], old.containerStatuses, false);
  // A terminal phase is final, as upstream's status manager enforces.
  const final = old.phase === 'Succeeded' || old.phase === 'Failed';
  const phase: Phase = final ? old.phase! : input.failed ? 'Failed' : podPhase(pod, init, regular, input.terminal);
  // Why the kubelet failed the pod stays with it, as the phase does.
  const why = final ? (old.reason ? { reason: old.reason, ...(old.message ? { message: old.message } : {}) } : {}) : input.failed ?? {};
  const kept = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const newest = runtime.sandboxes[0];
  const ips = pod.spec?.hostNetwork ? [nodeIp] : newest?.ready && newest.ips.length ? newest.ips : (old.podIPs ?? []).map((p) => p.ip);
  return {
    phase,
    ...why,
    conditions: [...kept, ...stamp(conditions(input, phase, init, regular), old.conditions, nowMs)],
    hostIP: nodeIp,
    hostIPs: [{ ip: nodeIp }],
    ...(ips.length ? { podIP: ips[0]!, podIPs: ips.map((ip) => ({ ip })) } : {}),
    startTime: old.startTime ?? apiTime(nowMs),
    ...(init.length ? { initContainerStatuses: init } : {}),
    containerStatuses: regular,
    qosClass: podQosClass(pod.spec),
  };
}
