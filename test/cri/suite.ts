import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext, TestFn } from 'ava';
import type { RuntimeRpcs } from '../../src/cri/api.js';
import { eventually, uniq } from '../helpers/names.js';
import type { CriFixture } from './fixtures.js';

// What the *.case.ts files share: how they register tests against a fixture, and the
// kubelet-like steps every case needs (a pod with a unique name and its own cgroup parent,
// a container in it, waiting for a state). Each helper registers the teardown of what it
// makes, so cases stay independent and can run in parallel.

export type PodConfig = NonNullable<RuntimeRpcs['RunPodSandbox']['reqIn']['config']>;
export type ContainerConfig = NonNullable<RuntimeRpcs['CreateContainer']['reqIn']['config']>;
export type ContainerStatus = NonNullable<RuntimeRpcs['ContainerStatus']['resOut']['status']>;

/** A case file's entry point: registers its tests; fx() is valid inside a test body. */
export type RegisterCases = (test: TestFn, fx: () => CriFixture) => void;

export interface Pod {
  id: string;
  config: PodConfig;
  /** Host path of the pod's log directory. */
  logDir: string;
}

const NAMESPACES = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;

/** A pod config as the kubelet would send it: unique name/uid, a log dir, a relative cgroup parent. */
export function podConfig(fx: CriFixture, extra: Partial<PodConfig> = {}): PodConfig {
  const name = uniq('pod');
  const uid = uniq('uid');
  return {
    metadata: { name, namespace: 'skiff-suite', uid, attempt: 0 },
    hostname: name,
    logDirectory: join(fx.logDir, name),
    ...extra,
    // As the kubelet sends them: a pid namespace per container unless shareProcessNamespace.
    linux: { cgroupParent: `${fx.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: NAMESPACES }, ...extra.linux },
  };
}

/** Runs a pod sandbox; stopped and removed at teardown. Rejects with the runtime's CriError. */
export async function runPod(t: ExecutionContext, fx: CriFixture, extra: Partial<PodConfig> = {}): Promise<Pod> {
  const config = podConfig(fx, extra);
  await mkdir(config.logDirectory!, { recursive: true });
  const { podSandboxId: id } = await fx.cri.runtime.runPodSandbox({ config });
  t.teardown(async () => {
    await fx.cri.runtime.stopPodSandbox({ podSandboxId: id }).catch(() => {});
    await fx.cri.runtime.removePodSandbox({ podSandboxId: id }).catch(() => {});
  });
  return { id, config, logDir: config.logDirectory! };
}

/** Pulls ref unless the runtime has it (the kubelet's IfNotPresent). */
export async function ensureImage(fx: CriFixture, ref: string): Promise<void> {
  const { image } = await fx.cri.image.imageStatus({ image: { image: ref } });
  if (!image) await fx.cri.image.pullImage({ image: { image: ref } });
}

/** Creates a container (image pulled first); removed at teardown. `config.metadata` defaults to a unique name. */
export async function createContainer(t: ExecutionContext, fx: CriFixture, pod: Pod, config: ContainerConfig & { image: { image: string } }): Promise<string> {
  await ensureImage(fx, config.image.image);
  const name = config.metadata?.name ?? uniq('c');
  const { containerId } = await fx.cri.runtime.createContainer({
    podSandboxId: pod.id,
    sandboxConfig: pod.config,
    config: {
      logPath: `${name}.log`,
      ...config,
      metadata: { name, attempt: 0, ...config.metadata },
      linux: { ...config.linux, securityContext: { namespaceOptions: NAMESPACES, ...config.linux?.securityContext } },
    },
  });
  t.teardown(async () => {
    await fx.cri.runtime.stopContainer({ containerId, timeout: 0 }).catch(() => {});
    await fx.cri.runtime.removeContainer({ containerId }).catch(() => {});
  });
  return containerId;
}

/** Creates and starts a container, resolving once it is RUNNING (or already exited, for short commands). */
export async function startContainer(t: ExecutionContext, fx: CriFixture, pod: Pod, config: ContainerConfig & { image: { image: string } }): Promise<string> {
  const id = await createContainer(t, fx, pod, config);
  await fx.cri.runtime.startContainer({ containerId: id });
  return id;
}

/** A container that stays up until stopped: `sleep` (busybox). */
export function sleeper(fx: CriFixture, extra: Omit<ContainerConfig, 'image'> = {}): ContainerConfig & { image: { image: string } } {
  return { command: ['/bin/sleep', '3600'], ...extra, image: { image: fx.images.busybox } };
}

/** Polls ContainerStatus until pred holds; rejects with the last status after ms. */
export async function waitContainer(fx: CriFixture, id: string, pred: (s: ContainerStatus) => boolean, ms = 30_000): Promise<ContainerStatus> {
  return eventually(async () => {
    const { status } = await fx.cri.runtime.containerStatus({ containerId: id });
    if (!status || !pred(status)) throw new Error(`container ${id} not there yet: ${JSON.stringify(status)}`);
    return status;
  }, ms);
}

export const exited = (s: ContainerStatus) => s.state === 'CONTAINER_EXITED';

/**
 * Waits until the container's log holds `text`. RUNNING does not mean the command has run yet:
 * a signal that reaches `runc init` before its exec ends it with Go's exit status 2, so a test
 * that signals a fresh container and checks the exit code first waits for a line it prints.
 */
export async function waitForLog(fx: CriFixture, id: string, text: string, ms = 30_000): Promise<void> {
  const { status } = await fx.cri.runtime.containerStatus({ containerId: id });
  await eventually(async () => {
    if (!(await readFile(status!.logPath, 'utf8')).includes(text)) throw new Error(`no "${text}" in ${status!.logPath} yet`);
  }, ms);
}

/** ExecSync with output as text. Rejects with the runtime's CriError (e.g. deadlineExceeded on timeout). */
export async function exec(fx: CriFixture, id: string, cmd: string[], timeout = 10): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await fx.cri.runtime.execSync({ containerId: id, cmd, timeout }, { timeoutMs: (timeout + 20) * 1000 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
}

/** Nanosecond timestamp strings compared as numbers. */
export const ns = (s: string): bigint => BigInt(s || '0');
