import test from 'ava';
import type { CriDeps } from '../../../src/cri/deps.js';
import type { CriError } from '../../../src/cri/errors.js';
import type { ContainerConfig } from '../../../src/cri/gen/runtime/v1/ContainerConfig.js';
import type { PodSandboxConfig } from '../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { join } from 'node:path';
import { criClient } from '../../../src/cri/client.js';
import { recover } from '../../../src/cri/lifecycle/recover.js';
import { serveCri } from '../../../src/cri/server.js';
import { fakeRuntime, interruptedWhileCreating } from '../../helpers/cri-deps.js';

// The sandbox and container RPCs over fakes (kernel, runc/conmon, cgroups, layers): the state
// machine, idempotent stop/remove, the errors the kubelet relies on, and restart recovery.

// Requests go through the real gRPC edge on a temp socket, so they are decoded as in production.
const clients = new WeakMap<CriDeps, ReturnType<typeof criClient>>();

/** Serves deps on a temp socket for the rest of the test. */
async function served(t: { teardown(fn: () => Promise<void> | void): void }, deps: CriDeps): Promise<CriDeps> {
  const server = await serveCri(deps, join(deps.dirs.sandboxes, '..', `cri-${Math.random().toString(36).slice(2)}.sock`));
  const client = criClient(server.socketPath);
  clients.set(deps, client);
  t.teardown(async () => {
    client.close();
    await server.close(100);
  });
  return deps;
}

function podConfig(name = 'web'): PodSandboxConfig {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, hostname: name, logDirectory: '', labels: { app: name } };
}
function ctrConfig(name = 'main'): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], labels: { c: name } };
}

async function call(deps: CriDeps, rpc: string, req: unknown): Promise<any> {
  const client = clients.get(deps)!;
  const fn = (client.runtime as unknown as Record<string, (r: unknown) => Promise<unknown>>)[rpc[0]!.toLowerCase() + rpc.slice(1)]!;
  return fn.call(client.runtime, req);
}

async function podWithContainer(deps: CriDeps, name = 'web') {
  const config = podConfig(name);
  const { podSandboxId } = await call(deps, 'RunPodSandbox', { config });
  const { containerId } = await call(deps, 'CreateContainer', { podSandboxId, config: ctrConfig(), sandboxConfig: config });
  return { podSandboxId, containerId, config };
}

test('a pod runs a container through created, running and exited, then both are removed', async (t) => {
  const { deps, oci } = await fakeRuntime(t);
  await served(t, deps);
  const { podSandboxId, containerId } = await podWithContainer(deps);
  const pod = (await call(deps, 'PodSandboxStatus', { podSandboxId })).status;
  t.is(pod.state, 'SANDBOX_READY');
  t.regex(pod.network.ip, /^10\.244\.9\./);
  t.is((await call(deps, 'ContainerStatus', { containerId })).status.state, 'CONTAINER_CREATED');
  await call(deps, 'StartContainer', { containerId });
  t.is((await call(deps, 'ContainerStatus', { containerId })).status.state, 'CONTAINER_RUNNING');
  t.is((await oci.state(containerId))?.status, 'running');
  await call(deps, 'StopContainer', { containerId, timeout: 1 });
  const stopped = (await call(deps, 'ContainerStatus', { containerId })).status;
  t.is(stopped.state, 'CONTAINER_EXITED');
  t.is(stopped.reason, 'Error');
  t.not(stopped.finishedAt, '0');
  await call(deps, 'StopPodSandbox', { podSandboxId });
  t.is((await call(deps, 'PodSandboxStatus', { podSandboxId })).status.state, 'SANDBOX_NOTREADY');
  await call(deps, 'RemovePodSandbox', { podSandboxId });
  t.deepEqual((await call(deps, 'ListContainers', {})).containers, []);
  t.deepEqual((await call(deps, 'ListPodSandbox', {})).items, []);
  t.is(await oci.state(containerId), undefined, 'runc state removed with the pod');
});

test('stop and remove are idempotent; unknown ids are NotFound for status and stop, fine for remove', async (t) => {
  const { deps } = await fakeRuntime(t);
  await served(t, deps);
  const { podSandboxId, containerId } = await podWithContainer(deps);
  await call(deps, 'StartContainer', { containerId });
  for (let i = 0; i < 2; i++) await call(deps, 'StopContainer', { containerId, timeout: 0 });
  for (let i = 0; i < 2; i++) await call(deps, 'RemoveContainer', { containerId });
  for (let i = 0; i < 2; i++) await call(deps, 'StopPodSandbox', { podSandboxId });
  for (let i = 0; i < 2; i++) await call(deps, 'RemovePodSandbox', { podSandboxId });
  for (const [rpc, req] of [['PodSandboxStatus', { podSandboxId }], ['ContainerStatus', { containerId }], ['StopPodSandbox', { podSandboxId }], ['StopContainer', { containerId }]] as const) {
    const err = await t.throwsAsync<CriError>(call(deps, rpc, req));
    t.is(err?.kind, 'notFound', rpc);
  }
});

test('a container exiting by itself is recorded with its code and reason', async (t) => {
  const { deps } = await fakeRuntime(t, { program: () => ({ exitOnStart: 0 }) });
  await served(t, deps);
  const { containerId } = await podWithContainer(deps);
  await call(deps, 'StartContainer', { containerId });
  const status = await waitFor(async () => (await call(deps, 'ContainerStatus', { containerId })).status, (s) => s.state === 'CONTAINER_EXITED');
  t.is(status.exitCode, 0);
  t.is(status.reason, 'Completed');
  const oom = await fakeRuntime(t, { program: () => ({ exitOnStart: 137, oomOnStart: true }) });
  await served(t, oom.deps);
  const c2 = await podWithContainer(oom.deps);
  await call(oom.deps, 'StartContainer', { containerId: c2.containerId });
  t.is((await waitFor(async () => (await call(oom.deps, 'ContainerStatus', { containerId: c2.containerId })).status, (s) => s.state === 'CONTAINER_EXITED')).reason, 'OOMKilled');
});

test('bad requests: missing metadata is InvalidArgument naming the field; duplicate names AlreadyExists; missing image NotFound', async (t) => {
  const { deps } = await fakeRuntime(t);
  await served(t, deps);
  const noName = await t.throwsAsync<CriError>(call(deps, 'RunPodSandbox', { config: { metadata: { namespace: 'x', uid: 'u' } } }));
  t.is(noName?.kind, 'invalidArgument');
  t.regex(noName!.message, /metadata\.name/);
  const { podSandboxId, config } = await podWithContainer(deps);
  t.is((await t.throwsAsync<CriError>(call(deps, 'RunPodSandbox', { config })))?.kind, 'alreadyExists');
  t.is((await t.throwsAsync<CriError>(call(deps, 'CreateContainer', { podSandboxId, config: ctrConfig(), sandboxConfig: config })))?.kind, 'alreadyExists');
  const missing = await t.throwsAsync<CriError>(call(deps, 'CreateContainer', { podSandboxId, config: { ...ctrConfig('other'), image: { image: 'nothing:here' } }, sandboxConfig: config }));
  t.is(missing?.kind, 'notFound');
  t.is((await call(deps, 'ListContainers', {})).containers.length, 1, 'the failed create left no record');
});

test('a failed runc create leaves no record, rootfs or runc state', async (t) => {
  const { deps, oci } = await fakeRuntime(t, { program: () => ({ createError: 'exec format error' }) });
  await served(t, deps);
  const config = podConfig();
  const { podSandboxId } = await call(deps, 'RunPodSandbox', { config });
  const err = await t.throwsAsync(call(deps, 'CreateContainer', { podSandboxId, config: ctrConfig(), sandboxConfig: config }));
  t.regex(err!.message, /exec format error/);
  t.deepEqual((await call(deps, 'ListContainers', {})).containers, []);
  t.deepEqual(await oci.list(), []);
});

test('after a restart every sandbox and container is listed in its state; exits during the downtime are picked up', async (t) => {
  const rt = await fakeRuntime(t);
  await served(t, rt.deps);
  const a = await podWithContainer(rt.deps, 'a');
  await call(rt.deps, 'StartContainer', { containerId: a.containerId });
  const b = await podWithContainer(rt.deps, 'b');
  await call(rt.deps, 'StartContainer', { containerId: b.containerId });
  const c = await podWithContainer(rt.deps, 'c');
  const deps = await served(t, await rt.restart());
  await rt.oci.kill(b.containerId, 'SIGKILL'); // b dies while skiff is down
  await recover(deps);
  const state = async (containerId: string) => (await call(deps, 'ContainerStatus', { containerId })).status.state;
  t.is(await state(a.containerId), 'CONTAINER_RUNNING');
  t.is(await state(b.containerId), 'CONTAINER_EXITED');
  t.is(await state(c.containerId), 'CONTAINER_CREATED');
  t.is((await call(deps, 'ListPodSandbox', { filter: { state: { state: 'SANDBOX_READY' } } })).items.length, 3);
  await call(deps, 'StopContainer', { containerId: a.containerId, timeout: 0 });
  t.is(await state(a.containerId), 'CONTAINER_EXITED', 'the restarted runtime still controls it');
});

test('after a restart a container whose runc state cannot be read is UNKNOWN until its exit or a stop settles it', async (t) => {
  const rt = await fakeRuntime(t);
  await served(t, rt.deps);
  const a = await podWithContainer(rt.deps, 'a');
  await call(rt.deps, 'StartContainer', { containerId: a.containerId });
  const b = await podWithContainer(rt.deps, 'b');
  await call(rt.deps, 'StartContainer', { containerId: b.containerId });
  const deps = await served(t, await rt.restart());
  rt.oci.unreadableState.add(a.containerId);
  rt.oci.unreadableState.add(b.containerId);
  await recover(deps);
  const state = async (containerId: string) => (await call(deps, 'ContainerStatus', { containerId })).status.state;
  t.is(await state(a.containerId), 'CONTAINER_UNKNOWN');
  t.is(await state(b.containerId), 'CONTAINER_UNKNOWN');
  // conmon still watches it: its exit is recorded as usual.
  await rt.oci.kill(a.containerId, 'SIGKILL');
  t.is(await waitFor(() => state(a.containerId), (s) => s === 'CONTAINER_EXITED'), 'CONTAINER_EXITED');
  // The kubelet's stop of an unknown container kills it and records the exit.
  await call(deps, 'StopContainer', { containerId: b.containerId, timeout: 10 });
  t.is(await state(b.containerId), 'CONTAINER_EXITED');
});

test('a sandbox left half-made by a crash is removed on restart', async (t) => {
  const rt = await fakeRuntime(t);
  await served(t, rt.deps);
  const { podSandboxId } = await call(rt.deps, 'RunPodSandbox', { config: podConfig() });
  await interruptedWhileCreating(rt.deps.state.sandboxes, podSandboxId);
  const deps = await served(t, await rt.restart());
  await recover(deps);
  t.is(deps.state.sandboxes.find(podSandboxId), undefined);
  t.deepEqual([...rt.host.kernel.state.pins.keys()], []);
});

test('list filters by id prefix, state and labels', async (t) => {
  const { deps } = await fakeRuntime(t);
  await served(t, deps);
  const a = await podWithContainer(deps, 'a');
  const b = await podWithContainer(deps, 'b');
  await call(deps, 'StartContainer', { containerId: b.containerId });
  const ids = async (filter: unknown) => (await call(deps, 'ListContainers', { filter })).containers.map((c: { id: string }) => c.id);
  t.deepEqual(await ids({ id: a.containerId.slice(0, 8) }), [a.containerId]);
  t.deepEqual(await ids({ state: { state: 'CONTAINER_RUNNING' } }), [b.containerId]);
  t.deepEqual(await ids({ podSandboxId: a.podSandboxId }), [a.containerId]);
  t.deepEqual((await call(deps, 'ListPodSandbox', { filter: { labelSelector: { app: 'b' } } })).items.map((s: { id: string }) => s.id), [b.podSandboxId]);
});

async function waitFor<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  return get();
}
