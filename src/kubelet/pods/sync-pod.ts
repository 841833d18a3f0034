// One pass of a pod's worker (upstream pod_workers.go + kuberuntime SyncPod/KillPod): read what
// the runtime holds, act on computePodActions, report the status. A pod being deleted, or gone
// from the API, is stopped within its grace period and removed from the runtime; a deleted one
// is then removed from the API, as upstream's status manager does once nothing runs.
import type { Pod } from '../../api/types.js';
import { isNotFound as apiNotFound, isConflict } from '../../client/errors.js';
import { isNotFound as criNotFound } from '../../cri/errors.js';
import { computePodActions } from './actions.js';
import { activeDeadlineRemaining, DEADLINE_EXCEEDED } from './deadline.js';
import { containerFieldPath, podRef, type SyncContext } from './context.js';
import { VolumeSetUpError } from '../volumes/index.js';
import type { PodVolumes } from '../types.js';
import { latestByName, readPodRuntime, type PodRuntime } from './runtime-view.js';
import { podLogDir, sandboxConfig } from './sandbox-config.js';
import { startContainer } from './start-container.js';
import { generatePodStatus, type WaitingReason } from './status.js';

/** Upstream's floor on a container's stop timeout (minimumGracePeriodInSeconds). */
const MIN_GRACE_SECONDS = 2;
const DEFAULT_GRACE_SECONDS = 30;

/** The stop timeout: the deletion's grace, else the pod's, never under 2 s. */
export function gracePeriodOf(pod: Pod | undefined): number {
  const g = pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  return Math.max(MIN_GRACE_SECONDS, g);
}

const ignoreGone = (err: unknown): void => {
  if (!criNotFound(err)) throw err;
};

/** Stops the pod's live containers (SIGTERM, SIGKILL after grace seconds) and its ready sandboxes. */
async function killPod(ctx: SyncContext, pod: Pod | undefined, r: PodRuntime, graceSeconds: number): Promise<void> {
  const { cri } = ctx.deps;
  const live = r.containers.filter((c) => c.state === 'RUNNING' || c.state === 'CREATED' || c.state === 'UNKNOWN');
  if (pod) for (const c of live) if (c.state === 'RUNNING') ctx.events.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, containerFieldPath(pod, c));
  await Promise.all(live.map((c) => cri.runtime.stopContainer({ containerId: c.id, timeout: graceSeconds }, { timeoutMs: (graceSeconds + 60) * 1000 }).catch(ignoreGone)));
  await Promise.all(r.sandboxes.filter((s) => s.ready).map((s) => cri.runtime.stopPodSandbox({ podSandboxId: s.id }).catch(ignoreGone)));
}

/** Stops and removes everything the runtime holds for the pod, then its volumes and log directory. */
async function removePod(ctx: SyncContext, uid: string, pod: Pod | undefined, r: PodRuntime): Promise<void> {
  await killPod(ctx, pod, r, gracePeriodOf(pod));
  const { cri } = ctx.deps;
  // RemovePodSandbox removes the sandbox's containers too; a container outside any listed sandbox goes by itself.
  const sandboxIds = new Set(r.sandboxes.map((s) => s.id));
  await Promise.all(r.containers.filter((c) => !sandboxIds.has(c.sandboxId)).map((c) => cri.runtime.removeContainer({ containerId: c.id }).catch(ignoreGone)));
  await Promise.all(r.sandboxes.map((s) => cri.runtime.removePodSandbox({ podSandboxId: s.id }).catch(ignoreGone)));
  // Only once nothing runs: a tmpfs still bind-mounted into a container would not go.
  await ctx.deps.volumes.tearDown(uid);
  if (pod) await ctx.deps.files.remove(podLogDir(ctx.sandbox.podLogsDir, pod));
}

function statusOf(ctx: SyncContext, pod: Pod, r: PodRuntime, waiting: ReadonlyMap<string, WaitingReason>, extra: { terminal?: boolean; failed?: { reason: string; message: string } } = {}) {
  return generatePodStatus({ pod, runtime: r, waiting, runtimeName: ctx.runtimeName, nodeIp: ctx.deps.nodeIp, nowMs: ctx.deps.clock.now(), ...extra });
}

/** The pod is being deleted: stop it within its grace period, remove it from the runtime, then from the API. */
async function terminate(ctx: SyncContext, pod: Pod, r: PodRuntime): Promise<void> {
  await killPod(ctx, pod, r, gracePeriodOf(pod));
  const stopped = await readPodRuntime(ctx.deps.cri, pod.metadata.uid ?? '');
  await ctx.status.write(pod, statusOf(ctx, pod, stopped, new Map(), { terminal: true })).catch((err: unknown) => {
    if (!apiNotFound(err)) throw err;
  });
  const uid = pod.metadata.uid ?? '';
  await removePod(ctx, uid, pod, stopped);
  try {
    await ctx.deps.client.resource<Pod>({ group: '', version: 'v1', plural: 'pods' }, pod.metadata.namespace).delete(pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
  } catch (err) {
    // Gone already, or a new pod of the same name (the uid precondition failed): nothing of ours to delete.
    if (!apiNotFound(err) && !isConflict(err)) throw err;
  }
  ctx.deps.log(`pod ${podRef(pod)}: stopped and deleted`);
}

/**
 * Fails and stops a pod past its activeDeadlineSeconds (true), or makes sure its worker wakes
 * when the deadline comes (false).
 */
async function deadlinePassed(ctx: SyncContext, pod: Pod, r: PodRuntime): Promise<boolean> {
  const uid = pod.metadata.uid ?? '';
  const seconds = pod.spec?.activeDeadlineSeconds;
  if (seconds === undefined) return false;
  const left = activeDeadlineRemaining(pod, ctx.deps.clock.now());
  // Without a startTime yet, this sync sets it (now at the latest): the deadline is at most this far.
  if (left === undefined || left > 0) {
    ctx.requeueAfter(uid, left ?? seconds * 1000);
    return false;
  }
  await killPod(ctx, pod, r, gracePeriodOf(pod));
  await ctx.status.write(pod, statusOf(ctx, pod, await readPodRuntime(ctx.deps.cri, uid), new Map(), { failed: DEADLINE_EXCEEDED }));
  ctx.deps.log(`pod ${podRef(pod)}: ${DEADLINE_EXCEEDED.message}`);
  return true;
}

/** The pod's volumes; on failure a FailedMount event per volume and the status still ContainerCreating, then the error (the queue retries). */
async function setUpVolumes(ctx: SyncContext, pod: Pod, r: PodRuntime, waiting: ReadonlyMap<string, WaitingReason>): Promise<PodVolumes> {
  try {
    return await ctx.deps.volumes.setUp(pod);
  } catch (err) {
    const failures = err instanceof VolumeSetUpError && err.all.length ? err.all : [err as Error];
    for (const f of failures) ctx.events.event(pod, 'Warning', 'FailedMount', f.message);
    await ctx.status.write(pod, statusOf(ctx, pod, r, waiting)).catch(() => undefined);
    throw err;
  }
}

/** Reconciles the pod with this uid; pod is its latest state in the API, undefined when it is gone. */
export async function syncPod(ctx: SyncContext, uid: string, apiPod: Pod | undefined): Promise<void> {
  const { cri } = ctx.deps;
  const pod = apiPod && ctx.status.latest(apiPod);
  const r = await readPodRuntime(cri, uid);
  if (!pod) {
    const held = r.sandboxes.length || r.containers.length;
    await removePod(ctx, uid, undefined, r);
    if (held) ctx.deps.log(`pod uid ${uid}: not in the API any more; its sandboxes and containers are removed`);
    return;
  }
  if (pod.metadata.deletionTimestamp) return terminate(ctx, pod, r);
  const waiting = new Map<string, WaitingReason>();
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (!finished && await deadlinePassed(ctx, pod, r)) return;
  // A finished pod is not run again; what is left of it only stops.
  const planned = computePodActions(pod, r);
  const actions = finished ? { ...planned, killPod: true, createSandbox: false, initToStart: undefined, containersToStart: [] } : planned;
  if (actions.killPod) await killPod(ctx, pod, r, gracePeriodOf(pod));
  await Promise.all(actions.containersToKill.map((k) => cri.runtime.stopContainer({ containerId: k.id, timeout: gracePeriodOf(pod) }).catch(ignoreGone)));
  // As upstream, volumes are ready before the sandbox; each sync also refreshes their contents
  // (ConfigMap and Secret changes, tokens near expiry).
  const volumes: PodVolumes = finished ? { paths: new Map() } : await setUpVolumes(ctx, pod, r, waiting);
  let sandbox: { id: string; config: ReturnType<typeof sandboxConfig> } | undefined;
  if (actions.createSandbox) {
    const config = sandboxConfig(pod, actions.attempt, ctx.sandbox);
    await ctx.deps.files.mkdir(config.logDirectory ?? '', { recursive: true, mode: 0o755 });
    try {
      sandbox = { id: (await cri.runtime.runPodSandbox({ config })).podSandboxId, config };
    } catch (err) {
      ctx.deps.log(`pod ${podRef(pod)}: RunPodSandbox failed: ${(err as Error).message}`);
      ctx.events.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      // The pod still says what it is waiting for (ContainerCreating) while the queue retries.
      await ctx.status.write(pod, statusOf(ctx, pod, await readPodRuntime(cri, uid), waiting)).catch(() => undefined);
      throw err;
    }
  } else if (actions.sandboxId) {
    sandbox = { id: actions.sandboxId, config: sandboxConfig(pod, actions.attempt, ctx.sandbox) };
  }
  if (sandbox) {
    const latest = latestByName(r);
    const toStart = actions.initToStart ? [actions.initToStart] : actions.containersToStart;
    for (const c of toStart) {
      // Restart count and backoff follow the container's last run, also across a new sandbox.
      const why = await startContainer(ctx, pod, c, sandbox, latest.get(c.name)?.current, volumes);
      if (why) waiting.set(c.name, why);
    }
  }
  const after = await readPodRuntime(cri, uid);
  await ctx.status.write(pod, statusOf(ctx, pod, after, waiting));
  await removeLeftovers(ctx, after);
}

/**
 * Upstream's container GC for a live pod, in small: exited containers beyond the two newest of
 * each name (the status shows one run and the one before), and stopped sandboxes that are not
 * the newest and hold no container, go; a crash-looping pod would otherwise pile up rootfs.
 */
async function removeLeftovers(ctx: SyncContext, r: PodRuntime): Promise<void> {
  const { cri } = ctx.deps;
  await Promise.all(r.stale.map((id) => cri.runtime.removeContainer({ containerId: id }).catch(ignoreGone)));
  const used = new Set(r.containers.map((c) => c.sandboxId));
  const idle = r.sandboxes.slice(1).filter((s) => !s.ready && !used.has(s.id));
  await Promise.all(idle.map((s) => cri.runtime.removePodSandbox({ podSandboxId: s.id }).catch(ignoreGone)));
}
