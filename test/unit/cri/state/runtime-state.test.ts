import test, { type ExecutionContext } from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { criClient, type CriClient } from '../../../../src/cri/client.js';
import type { CriDeps } from '../../../../src/cri/deps.js';
import type { CriError } from '../../../../src/cri/errors.js';
import type { ContainerConfig } from '../../../../src/cri/gen/runtime/v1/ContainerConfig.js';
import type { PodSandboxConfig } from '../../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { recover } from '../../../../src/cri/lifecycle/recover.js';
import { serveCri } from '../../../../src/cri/server.js';
import type { ContainerRecord, SandboxRecord } from '../../../../src/cri/state/records.js';
import { RuntimeState } from '../../../../src/cri/state/runtime-state.js';
import { FakeClock } from '../../../../src/host/clock.js';
import { BUSYBOX, fakeRuntime, type FakeRuntime } from '../../../helpers/cri-deps.js';
import { sha256 } from '../../../../src/cri/images/content.js';

// The runtime's state owner over fakes: its clock stamps every record, its transition table
// refuses illegal moves without writing, and records an older skiff wrote still recover.

function podConfig(name = 'web'): PodSandboxConfig {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, hostname: name, logDirectory: '' };
}
function ctrConfig(name = 'main'): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'] };
}

async function serve(t: ExecutionContext, rt: FakeRuntime, deps: CriDeps): Promise<CriClient['runtime']> {
  const server = await serveCri(deps, join(rt.root, `cri-${Math.random().toString(36).slice(2)}.sock`));
  const client = criClient(server.socketPath);
  t.teardown(async () => {
    client.close();
    await server.close(100);
  });
  return client.runtime;
}

async function podWithStartedContainer(cri: CriClient['runtime'], name = 'web') {
  const config = podConfig(name);
  const { podSandboxId } = await cri.runPodSandbox({ config });
  const { containerId } = await cri.createContainer({ podSandboxId, config: ctrConfig(), sandboxConfig: config });
  await cri.startContainer({ containerId });
  return { podSandboxId, containerId };
}

test('every timestamp comes from the injected clock', async (t) => {
  const clock = new FakeClock(Date.UTC(2030, 4, 6));
  const rt = await fakeRuntime(t, {}, clock);
  const cri = await serve(t, rt, rt.deps);
  const config = podConfig();
  const { podSandboxId } = await cri.runPodSandbox({ config });
  clock.advance(1500);
  const { containerId } = await cri.createContainer({ podSandboxId, config: ctrConfig(), sandboxConfig: config });
  clock.advance(250);
  await cri.startContainer({ containerId });
  const pod = (await cri.podSandboxStatus({ podSandboxId })).status!;
  const ctr = (await cri.containerStatus({ containerId })).status!;
  t.is(pod.createdAt, (BigInt(Date.UTC(2030, 4, 6)) * 1_000_000n).toString());
  t.is(ctr.createdAt, (BigInt(Date.UTC(2030, 4, 6) + 1500) * 1_000_000n).toString());
  t.is(ctr.startedAt, clock.nowNanos().toString());
  t.is((await cri.podSandboxStatus({ podSandboxId })).timestamp, clock.nowNanos().toString());
});

test('illegal moves are refused with FailedPrecondition naming both states, and nothing is written', async (t) => {
  const rt = await fakeRuntime(t);
  const cri = await serve(t, rt, rt.deps);
  const { podSandboxId, containerId } = await podWithStartedContainer(cri);
  await cri.stopContainer({ containerId, timeout: 0 });
  const { state } = rt.deps;
  const before = structuredClone(state.containers.mustGet(containerId));
  const err = await t.throwsAsync<CriError>(state.moveContainer(containerId, 'CONTAINER_RUNNING', (r) => void (r.exitCode = 99)));
  t.is(err!.kind, 'failedPrecondition');
  t.is(err!.message, `container ${containerId} cannot go from exited to running`);
  t.deepEqual(state.containers.mustGet(containerId), before);
  const onDisk = JSON.parse(await readFile(join(rt.root, 'state', 'containers', `${containerId}.json`), 'utf8')) as ContainerRecord;
  t.is(onDisk.state, 'CONTAINER_EXITED');
  t.is(onDisk.exitCode, before.exitCode);

  await cri.stopPodSandbox({ podSandboxId });
  const sbErr = await t.throwsAsync<CriError>(state.moveSandbox(podSandboxId, 'SANDBOX_READY'));
  t.is(sbErr!.message, `sandbox ${podSandboxId} cannot go from notready to ready`);
  t.is(state.sandboxes.mustGet(podSandboxId).state, 'SANDBOX_NOTREADY');
});

test('a record still being created can only become created: it cannot start or exit first', async (t) => {
  const rt = await fakeRuntime(t);
  const { state } = rt.deps;
  const id = 'c'.repeat(64);
  await state.containers.add({
    id, sandboxId: 's'.repeat(64), phase: 'creating', state: 'CONTAINER_CREATED', config: { metadata: { name: 'x', attempt: 0 } } as ContainerRecord['config'],
    image: 'busybox', imageId: 'sha256:1', createdAt: '1', startedAt: '0', finishedAt: '0', exitCode: 0, reason: '', message: '', logPath: '',
    dir: join(rt.root, 'containers', id), rootfsKey: id, pid: 0, cgroup: `kubepods/${id}`, stopSignal: 'SIGTERM', sharedPidNamespace: false,
  });
  await t.throwsAsync(state.moveContainer(id, 'CONTAINER_RUNNING'), { message: /cannot go from creating to running/ });
  await t.throwsAsync(state.moveContainer(id, 'CONTAINER_EXITED'), { message: /cannot go from creating to exited/ });
  const created = await state.moveContainer(id, 'CONTAINER_CREATED');
  t.is(created.phase, 'created');
  t.is(created.state, 'CONTAINER_CREATED');
  t.is(await state.moveContainer(id, 'CONTAINER_CREATED'), state.containers.mustGet(id), 'moving to where it is changes nothing');
});

/** The record as skiff wrote it before resources were nested and create-time facts were kept. */
function oldSandboxShape(r: SandboxRecord): unknown {
  const { resources, ...rest } = r;
  const flat: Record<string, unknown> = { ...rest, ...resources };
  delete flat.hostname;
  return flat;
}
function oldContainerShape(r: ContainerRecord): unknown {
  const flat: Record<string, unknown> = { ...r };
  delete flat.stopSignal;
  delete flat.sharedPidNamespace;
  return flat;
}

async function rewrite(dir: string, shape: (r: never) => unknown): Promise<void> {
  for (const f of await readdir(dir)) {
    const path = join(dir, f);
    await writeFile(path, JSON.stringify(shape(JSON.parse(await readFile(path, 'utf8')) as never)));
  }
}

test('records in the old flat shape load after an upgrade: pods recover READY with their IP, and stop and remove take everything', async (t) => {
  const rt = await fakeRuntime(t);
  const cri = await serve(t, rt, rt.deps);
  const { podSandboxId, containerId } = await podWithStartedContainer(cri);
  const ip = (await cri.podSandboxStatus({ podSandboxId })).status!.network!.ip;
  const fresh = structuredClone(rt.deps.state.sandboxes.mustGet(podSandboxId));
  // A second pod whose RunPodSandbox was interrupted by the crash: 'creating', no flat fields filled in yet.
  const half = (await cri.runPodSandbox({ config: podConfig('half') })).podSandboxId;
  const halfRec = rt.deps.state.sandboxes.mustGet(half);
  await rewrite(join(rt.root, 'state', 'sandboxes'), (r: SandboxRecord) => oldSandboxShape(r));
  await rewrite(join(rt.root, 'state', 'containers'), (r: ContainerRecord) => oldContainerShape(r));
  await writeFile(join(rt.root, 'state', 'sandboxes', `${half}.json`), JSON.stringify({
    id: half, phase: 'creating', state: 'SANDBOX_NOTREADY', config: halfRec.config, createdAt: halfRec.createdAt, runtimeHandler: '',
    dir: halfRec.resources.dir, additionalIps: [], cgroup: halfRec.cgroup,
  }));

  const after = await rt.restart();
  t.deepEqual(after.state.sandboxes.mustGet(podSandboxId), fresh, 'the nested shape, as a fresh record has it');
  t.is(after.state.containers.mustGet(containerId).sharedPidNamespace, false);
  t.is(after.state.containers.mustGet(containerId).stopSignal, '', 'asked of the image when it stops');
  await recover(after);
  const cri2 = await serve(t, rt, after);
  t.is(after.state.sandboxes.find(half), undefined, 'the interrupted pod is cleaned up from its planned resources');
  const status = (await cri2.podSandboxStatus({ podSandboxId })).status!;
  t.is(status.state, 'SANDBOX_READY');
  t.is(status.network!.ip, ip);
  t.is((await cri2.containerStatus({ containerId })).status!.state, 'CONTAINER_RUNNING');
  await cri2.stopContainer({ containerId, timeout: 0 });
  t.is((await cri2.containerStatus({ containerId })).status!.state, 'CONTAINER_EXITED');
  await cri2.stopPodSandbox({ podSandboxId });
  await cri2.removePodSandbox({ podSandboxId });
  t.deepEqual([...rt.host.kernel.state.pins.keys()], []);
  t.deepEqual(await rt.oci.list(), []);
});

test('an unreadable record is reported, not loaded; the others load', async (t) => {
  const rt = await fakeRuntime(t);
  const cri = await serve(t, rt, rt.deps);
  const { podSandboxId } = await cri.runPodSandbox({ config: podConfig() });
  await writeFile(join(rt.root, 'state', 'sandboxes', `${'e'.repeat(64)}.json`), JSON.stringify({ id: 42 }));
  const { state, errors } = await RuntimeState.open(join(rt.root, 'state'), rt.deps.state.clock);
  t.is(errors.length, 1);
  t.regex(errors[0]!, /not a sandbox record/);
  t.truthy(state.sandboxes.find(podSandboxId));
});

test('the stop signal is decided at create time: removing the image does not turn its STOPSIGNAL into SIGTERM', async (t) => {
  const rt = await fakeRuntime(t);
  // An image whose STOPSIGNAL is SIGQUIT, beside busybox (the restart loads it).
  const quitting = { ...BUSYBOX, id: sha256('config quitting'), repoTags: ['docker.io/library/quitting:latest'], repoDigests: [], config: { config: { ...BUSYBOX.config.config, StopSignal: 'SIGQUIT' } } };
  await writeFile(join(rt.root, 'images', 'images.json'), JSON.stringify({ images: [BUSYBOX, quitting] }));
  const deps = await rt.restart();
  const cri = await serve(t, rt, deps);
  const config = podConfig();
  const { podSandboxId } = await cri.runPodSandbox({ config });
  const { containerId } = await cri.createContainer({ podSandboxId, config: { ...ctrConfig(), image: { image: 'quitting' } }, sandboxConfig: config });
  await cri.startContainer({ containerId });
  t.is(deps.state.containers.mustGet(containerId).stopSignal, 'SIGQUIT');
  await deps.images.remove('quitting');
  t.is(deps.images.get('quitting'), undefined);
  await cri.stopContainer({ containerId, timeout: 5 });
  t.is((await cri.containerStatus({ containerId })).status!.exitCode, 128 + 3, 'ended by SIGQUIT');
});
