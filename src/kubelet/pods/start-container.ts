// Starting one container of a pod: restart backoff, image per pull policy, create, start
// (upstream kuberuntime_container.go startContainer and images/image_manager.go). A step that
// cannot go on leaves the reason the container waits, which the status then shows.
import { join } from 'node:path';
import type { Container, Pod, Secret } from '../../api/types.js';
import type { PodSandboxConfig } from '../../cri/gen/runtime/v1/PodSandboxConfig.js';
import { goDuration } from './backoff.js';
import { containerConfig } from './container-config.js';
import { containerFieldPath, podRef, type SyncContext } from './context.js';
import { containerMounts } from '../volumes/index.js';
import { containerEnvMap } from './expand.js';
import type { PodVolumes } from '../types.js';
import { effectivePullPolicy, pullDecision } from './image-policy.js';
import { containerHash } from './labels.js';
import { registryAuths } from './pull-secrets.js';
import type { ContainerView } from './runtime-view.js';
import type { WaitingReason } from './status.js';

/** Upstream's pod worker backoff period after a failed sync. */
const CREATE_RETRY_MS = 10_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The pod's imagePullSecrets that can be read; a missing one is logged and skipped, as upstream. */
async function pullSecrets(ctx: SyncContext, pod: Pod): Promise<Secret[]> {
  const names = (pod.spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter((n) => n !== '');
  const secrets = ctx.deps.client.resource<Secret>({ group: '', version: 'v1', plural: 'secrets' }, pod.metadata.namespace);
  const got = await Promise.all(names.map((n) => secrets.get(n).catch((err: unknown) => {
    ctx.deps.log(`pod ${podRef(pod)}: imagePullSecret "${n}" cannot be read: ${message(err)}`);
    return undefined;
  })));
  return got.filter((x): x is Secret => x !== undefined);
}

/** Pulls with each matching credential in turn (most specific first), else anonymously; rejects with the last failure. */
async function pullWithSecrets(ctx: SyncContext, pod: Pod, image: string): Promise<string> {
  const auths = registryAuths(await pullSecrets(ctx, pod), image);
  let last: unknown;
  for (const auth of auths.length ? auths : [undefined]) {
    try {
      return (await ctx.deps.cri.image.pullImage({ image: { image }, auth: auth ?? null, sandboxConfig: null })).imageRef;
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** The image's reference to create the container from, or why there is none yet. */
async function ensureImage(ctx: SyncContext, pod: Pod, c: Container): Promise<{ ref: string } | { waiting: WaitingReason }> {
  const image = c.image ?? '';
  const { cri, clock } = ctx.deps;
  const at = containerFieldPath(pod, c);
  const present = (await cri.image.imageStatus({ image: { image } })).image;
  const decision = pullDecision(image, effectivePullPolicy(image, c.imagePullPolicy), present !== null);
  if (!decision.pull) {
    if (decision.error) {
      ctx.events.event(pod, 'Warning', 'ErrImageNeverPull', decision.error.message, at);
      return { waiting: decision.error };
    }
    ctx.events.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, at);
    return { ref: present!.id };
  }
  const key = `${pod.metadata.uid ?? ''}/${image}`;
  const wait = ctx.imageBackoff.remainingSinceUpdate(key);
  if (wait > 0) {
    ctx.requeueAfter(pod.metadata.uid ?? '', wait);
    ctx.events.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, at);
    return { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
  }
  ctx.events.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, at);
  const started = clock.monotonic();
  try {
    const ref = await pullWithSecrets(ctx, pod, image);
    ctx.events.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${goDuration(clock.monotonic() - started)}`, at);
    return { ref };
  } catch (err) {
    ctx.imageBackoff.next(key, clock.now());
    // Back soon, to show ImagePullBackOff while the backoff runs (that sync schedules the retry).
    ctx.requeueAfter(pod.metadata.uid ?? '', 1000);
    ctx.deps.log(`pod ${podRef(pod)}: pulling image "${image}" failed: ${message(err)}`);
    ctx.events.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message(err)}`, at);
    ctx.events.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', at);
    return { waiting: { reason: 'ErrImagePull', message: `Failed to pull image "${image}": ${message(err)}` } };
  }
}

/**
 * Starts c in the sandbox. last is its newest container so far (the restart count follows it and
 * its exit time starts the backoff). Resolves with why c waits instead, or undefined when started;
 * rejects only with what reading the runtime threw.
 */
export async function startContainer(ctx: SyncContext, pod: Pod, c: Container, sandbox: { id: string; config: PodSandboxConfig }, last: ContainerView | undefined, volumes: PodVolumes): Promise<WaitingReason | undefined> {
  const uid = pod.metadata.uid ?? '';
  const at = containerFieldPath(pod, c);
  // A container that failed to start (left created) backs off as a crashed one does, or every
  // relist would make another.
  if (last?.state === 'EXITED' || last?.state === 'CREATED') {
    const key = `${uid}/${c.name}/${containerHash(c)}`;
    const since = last.finishedAtMs || last.createdAtMs;
    const wait = ctx.crashBackoff.remainingSince(key, since);
    if (wait > 0) {
      ctx.requeueAfter(uid, wait);
      ctx.events.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`, at);
      return { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(ctx.crashBackoff.delayOf(key))} restarting failed container=${c.name} pod=${podRef(pod)}` };
    }
    ctx.crashBackoff.next(key, since);
  }
  const image = await ensureImage(ctx, pod, c);
  if ('waiting' in image) return image.waiting;
  const restartCount = last ? last.restartCount + 1 : 0;
  // subPathExprs expand against the container's own environment, as upstream's makeMounts does.
  const env = containerEnvMap(pod, c);
  let mounts;
  try {
    await ctx.deps.volumes.prepareSubPaths(pod, c, volumes, env);
    mounts = containerMounts(pod, c, volumes, env);
  } catch (err) {
    ctx.events.event(pod, 'Warning', 'Failed', `Error: ${message(err)}`, at);
    ctx.requeueAfter(uid, CREATE_RETRY_MS);
    return { reason: 'CreateContainerConfigError', message: message(err) };
  }
  const config = containerConfig(pod, c, { imageRef: image.ref, restartCount, mounts });
  const { cri, files } = ctx.deps;
  await files.mkdir(join(sandbox.config.logDirectory ?? '', c.name), { recursive: true, mode: 0o755 });
  let id: string;
  try {
    id = (await cri.runtime.createContainer({ podSandboxId: sandbox.id, config, sandboxConfig: sandbox.config })).containerId;
  } catch (err) {
    // Nothing is left in the runtime to wake the PLEG: come back as upstream's pod worker
    // does after a failed sync.
    ctx.requeueAfter(uid, CREATE_RETRY_MS);
    ctx.events.event(pod, 'Warning', 'Failed', `Error: ${message(err)}`, at);
    return { reason: 'CreateContainerError', message: message(err) };
  }
  ctx.events.event(pod, 'Normal', 'Created', `Created container: ${c.name}`, at);
  try {
    await cri.runtime.startContainer({ containerId: id });
  } catch (err) {
    ctx.events.event(pod, 'Warning', 'Failed', `Error: ${message(err)}`, at);
    return { reason: 'RunContainerError', message: message(err) };
  }
  ctx.events.event(pod, 'Normal', 'Started', `Started container ${c.name}`, at);
  return undefined;
}
