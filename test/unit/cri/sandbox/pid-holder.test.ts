import test, { type ExecutionContext } from 'ava';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { criClient, type CriClient } from '../../../../src/cri/client.js';
import type { CriDeps } from '../../../../src/cri/deps.js';
import type { ContainerConfig } from '../../../../src/cri/gen/runtime/v1/ContainerConfig.js';
import type { PodSandboxConfig } from '../../../../src/cri/gen/runtime/v1/PodSandboxConfig.js';
import { recover } from '../../../../src/cri/lifecycle/recover.js';
import { holderId, pidHolderSpec } from '../../../../src/cri/sandbox/index.js';
import { serveCri } from '../../../../src/cri/server.js';
import { HostError } from '../../../../src/host/errors.js';
import type { OciRuntime } from '../../../../src/host/oci/types.js';
import { eventually } from '../../../helpers/names.js';
import { fakeRuntime, interruptedWhileCreating, type FakeRuntime } from '../../../helpers/cri-deps.js';

// The pid namespace holder of pods with pid mode POD (shareProcessNamespace): its OCI spec
// (pure), and its life beside the sandbox over fakes (runc/conmon, kernel, cgroups).

test('the holder spec: /pause as 65535 with no capabilities in a new pid and mount namespace, joined to the pod pins', (t) => {
  const spec = pidHolderSpec({ sandboxId: 'sb1', rootfs: '/r/.pause/rootfs', cgroupsPath: 'skiff/podu/sb1-pause', netns: '/p/sb1-net', ipc: '/p/sb1-ipc', uts: '/p/sb1-uts' });
  t.deepEqual(spec.process.args, ['/pause']);
  t.deepEqual(spec.process.user, { uid: 65535, gid: 65535 });
  t.true(spec.process.noNewPrivileges);
  t.deepEqual(Object.values(spec.process.capabilities!).flat(), []);
  t.deepEqual(spec.root, { path: '/r/.pause/rootfs', readonly: true });
  t.deepEqual(spec.linux.namespaces, [
    { type: 'pid' }, { type: 'ipc', path: '/p/sb1-ipc' }, { type: 'uts', path: '/p/sb1-uts' }, { type: 'mount' }, { type: 'network', path: '/p/sb1-net' }, { type: 'cgroup' },
  ]);
  t.is(spec.linux.cgroupsPath, 'skiff/podu/sb1-pause');
  t.deepEqual(spec.mounts.map((m) => m.destination), ['/proc', '/dev'], 'runc needs /proc; its device nodes go to a tmpfs, not the shared rootfs');
  t.deepEqual(spec.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
});

test('the holder spec: a host-network, host-ipc pod joins nothing but still gets its own pid namespace; bad paths are refused', (t) => {
  const spec = pidHolderSpec({ sandboxId: 'sb1', rootfs: '/r', cgroupsPath: 'a/b' });
  t.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'cgroup' }]);
  t.throws(() => pidHolderSpec({ sandboxId: 'sb1', rootfs: '/r', cgroupsPath: '/abs' }), { message: /relative/ });
  t.throws(() => pidHolderSpec({ sandboxId: 'sb1', rootfs: '/r', cgroupsPath: 'a/../../b' }), { message: /relative/ });
  t.throws(() => pidHolderSpec({ sandboxId: 'sb1', rootfs: 'r', cgroupsPath: 'a' }), { message: /absolute/ });
  t.throws(() => pidHolderSpec({ sandboxId: 'sb1', rootfs: '/r', cgroupsPath: 'a', netns: 'x' }), { message: /absolute/ });
});

// --- over fakes, through the real gRPC edge --------------------------------------------

const SHARED = { network: 'POD', pid: 'POD', ipc: 'POD' } as const;

function podConfig(name: string, pid: 'POD' | 'CONTAINER' = 'POD'): PodSandboxConfig {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, hostname: name, logDirectory: '', linux: { securityContext: { namespaceOptions: { ...SHARED, pid } } } };
}
function ctrConfig(name: string): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], linux: { securityContext: { namespaceOptions: SHARED } } };
}

/** deps with a pause "binary" (any file: the fake runc never runs it), served on a temp socket. */
async function runtime(t: ExecutionContext): Promise<{ rt: FakeRuntime; deps: CriDeps; cri: CriClient['runtime']; serve(d: CriDeps): Promise<CriClient['runtime']> }> {
  const rt = await fakeRuntime(t);
  const pauseBinary = join(rt.root, 'skiff-pause');
  await writeFile(pauseBinary, '#!fake pause\n');
  const serve = async (d: CriDeps) => {
    const server = await serveCri(d, join(rt.root, `cri-${Math.random().toString(36).slice(2)}.sock`));
    const client = criClient(server.socketPath);
    t.teardown(async () => {
      client.close();
      await server.close(100);
    });
    return client.runtime;
  };
  const deps = { ...rt.deps, pauseBinary };
  return { rt, deps, cri: await serve(deps), serve };
}

test('a POD pod runs its holder; POD containers join its pid namespace; the holder is no CRI container; stop and remove take it', async (t) => {
  const { rt, deps, cri } = await runtime(t);
  const config = podConfig('shared');
  const { podSandboxId } = await cri.runPodSandbox({ config });
  const holder = await rt.oci.state(holderId(podSandboxId));
  t.is(holder?.status, 'running');
  t.is(deps.state.sandboxes.find(podSandboxId)?.pidHolder, holderId(podSandboxId));
  const rootfs = join(deps.dirs.sandboxes, '.pause', 'rootfs');
  t.is(await readFile(join(rootfs, 'pause'), 'utf8'), '#!fake pause\n');
  t.is((await stat(join(rootfs, 'pause'))).mode & 0o777, 0o755);
  const bundle = JSON.parse(await readFile(join(deps.dirs.sandboxes, podSandboxId, 'pause', 'config.json'), 'utf8'));
  t.is(bundle.root.path, rootfs);
  t.is(bundle.linux.cgroupsPath, rt.cgroups.runcPath(`${deps.state.sandboxes.find(podSandboxId)!.cgroup}/${holderId(podSandboxId)}`));

  const { containerId } = await cri.createContainer({ podSandboxId, config: ctrConfig('a'), sandboxConfig: config });
  const spec = JSON.parse(await readFile(join(deps.dirs.containers, containerId, 'config.json'), 'utf8'));
  t.deepEqual(spec.linux.namespaces.find((n: { type: string }) => n.type === 'pid'), { type: 'pid', path: `/proc/${holder!.pid}/ns/pid` });
  t.deepEqual((await cri.listContainers({})).containers.map((c) => c.id), [containerId]);
  t.like(JSON.parse((await cri.podSandboxStatus({ podSandboxId, verbose: true })).info.info!), { pid: holder!.pid });

  await cri.stopPodSandbox({ podSandboxId });
  t.is((await rt.oci.state(holderId(podSandboxId)))?.status, 'stopped');
  t.is((await cri.podSandboxStatus({ podSandboxId })).status?.state, 'SANDBOX_NOTREADY');
  await cri.removePodSandbox({ podSandboxId });
  t.is(await rt.oci.state(holderId(podSandboxId)), undefined);
  t.deepEqual(await rt.oci.list(), []);
});

test('a pod without pid mode POD has no holder', async (t) => {
  const { rt, deps, cri } = await runtime(t);
  const { podSandboxId } = await cri.runPodSandbox({ config: podConfig('own', 'CONTAINER') });
  t.is(await rt.oci.state(holderId(podSandboxId)), undefined);
  t.is(deps.state.sandboxes.find(podSandboxId)?.pidHolder, undefined);
});

test('a holder that dies makes the pod NOTREADY, and no container can join it any more', async (t) => {
  const { rt, cri } = await runtime(t);
  const config = podConfig('dies');
  const { podSandboxId } = await cri.runPodSandbox({ config });
  await rt.oci.kill(holderId(podSandboxId), 'SIGKILL');
  await eventually(async () => {
    if ((await cri.podSandboxStatus({ podSandboxId })).status?.state !== 'SANDBOX_NOTREADY') throw new Error('still ready');
  });
  await t.throwsAsync(cri.createContainer({ podSandboxId, config: ctrConfig('late'), sandboxConfig: config }), { message: /FAILED_PRECONDITION|not ready/ });
});

test('without the skiff-pause binary RunPodSandbox fails and leaves nothing', async (t) => {
  const { rt, deps, serve } = await runtime(t);
  const cri = await serve({ ...deps, pauseBinary: join(rt.root, 'missing') });
  await t.throwsAsync(cri.runPodSandbox({ config: podConfig('nobin') }), { message: /skiff-pause|missing|npm run build:native/ });
  t.deepEqual((await cri.listPodSandbox({})).items, []);
  t.deepEqual(deps.state.sandboxes.list(), []);
  t.deepEqual(await rt.oci.list(), []);
  t.deepEqual([...rt.host.kernel.state.pins.keys()], []);
});

test('after a restart a running holder is kept and watched, a dead one leaves the pod NOTREADY, a half-made pod loses it', async (t) => {
  const { rt, deps, cri, serve } = await runtime(t);
  const alive = (await cri.runPodSandbox({ config: podConfig('alive') })).podSandboxId;
  const dead = (await cri.runPodSandbox({ config: podConfig('dead') })).podSandboxId;
  const half = (await cri.runPodSandbox({ config: podConfig('half') })).podSandboxId;
  await interruptedWhileCreating(deps.state.sandboxes, half);
  const after = { ...(await rt.restart()), pauseBinary: deps.pauseBinary! };
  await rt.oci.kill(holderId(dead), 'SIGKILL'); // dies while skiff is down
  await recover(after);
  const cri2 = await serve(after);
  t.is((await cri2.podSandboxStatus({ podSandboxId: alive })).status?.state, 'SANDBOX_READY');
  t.is((await cri2.podSandboxStatus({ podSandboxId: dead })).status?.state, 'SANDBOX_NOTREADY');
  t.is(after.state.sandboxes.find(half), undefined);
  t.is(await rt.oci.state(holderId(half)), undefined);
  await rt.oci.kill(holderId(alive), 'SIGKILL');
  await eventually(async () => {
    if ((await cri2.podSandboxStatus({ podSandboxId: alive })).status?.state !== 'SANDBOX_NOTREADY') throw new Error('the restarted runtime does not watch it');
  });
});

test('a POD container\'s leftover processes in its cgroup die when it is stopped or exits by itself; the pod\'s other cgroups are left alone', async (t) => {
  const { rt, deps, cri } = await runtime(t);
  const config = podConfig('leftovers');
  const { podSandboxId } = await cri.runPodSandbox({ config });
  // runc makes a container's cgroup and its processes' children stay in it; the fake runc does
  // neither, so the test puts a "child" there, as `sh -c 'sleep & exec sleep'` leaves one.
  const withChild = async (name: string) => {
    const { containerId } = await cri.createContainer({ podSandboxId, config: ctrConfig(name), sandboxConfig: config });
    await cri.startContainer({ containerId });
    const cgroup = deps.state.containers.find(containerId)!.cgroup;
    await rt.cgroups.create(cgroup);
    const child = rt.cgroups.spawn();
    await rt.cgroups.attach(cgroup, child);
    return { containerId, cgroup, child };
  };
  const stopped = await withChild('stopped');
  const ends = await withChild('ends');
  const other = await withChild('other');

  await cri.stopContainer({ containerId: stopped.containerId, timeout: 0 });
  t.deepEqual(await rt.cgroups.pids(stopped.cgroup), [], 'nothing of the stopped container runs once StopContainer returns');
  rt.oci.exit(ends.containerId, 0);
  await eventually(async () => {
    if ((await cri.containerStatus({ containerId: ends.containerId })).status?.state !== 'CONTAINER_EXITED') throw new Error('not exited yet');
  });
  t.deepEqual(await rt.cgroups.pids(ends.cgroup), [], 'nothing of it runs once its exit is recorded');
  t.deepEqual(rt.cgroups.killed.sort(), [stopped.child, ends.child].sort());
  t.deepEqual(await rt.cgroups.pids(other.cgroup), [other.child]);
});

test('after a restart, a holder whose runc state cannot be read keeps its pod READY and is watched again', async (t) => {
  const { rt, deps, cri, serve } = await runtime(t);
  const { podSandboxId } = await cri.runPodSandbox({ config: podConfig('unreadable') });
  // runc state fails (EIO) for the holder, as when runc's state file is briefly unreadable.
  const oci = new Proxy(rt.oci, {
    get(target, key) {
      if (key === 'state') return async (id: string) => { if (id === holderId(podSandboxId)) throw new HostError('EIO', 'runc state: something went wrong', 'runc'); return target.state(id); };
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as OciRuntime;
  const logs: string[] = [];
  const after = { ...(await rt.restart()), oci, pauseBinary: deps.pauseBinary!, log: (line: string) => void logs.push(line) };
  await recover(after);
  const cri2 = await serve(after);
  t.is((await cri2.podSandboxStatus({ podSandboxId })).status?.state, 'SANDBOX_READY', 'an error is no proof the holder is gone');
  t.true(logs.some((l) => /cannot read its pid namespace holder's state/.test(l)), logs.join('\n'));
  await rt.oci.kill(holderId(podSandboxId), 'SIGKILL');
  await eventually(async () => {
    if ((await cri2.podSandboxStatus({ podSandboxId })).status?.state !== 'SANDBOX_NOTREADY') throw new Error('the restarted runtime does not watch it');
  });
});

test('a RunPodSandbox that fails because a holder with its id exists leaves that holder alone', async (t) => {
  const { rt, deps, serve } = await runtime(t);
  // Someone else's runc container takes the holder's id just before the holder is created.
  let taken = '';
  const oci = new Proxy(rt.oci, {
    get(target, key) {
      if (key === 'create') {
        return async (c: Parameters<OciRuntime['create']>[0]) => {
          if (c.id.endsWith('-pause') && !taken) {
            taken = c.id;
            const other = join(rt.root, 'other');
            await target.create({ id: c.id, bundle: other, logPath: join(other, 'log'), stateDir: other });
          }
          return target.create(c);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as OciRuntime;
  const cri = await serve({ ...deps, oci });
  await t.throwsAsync(cri.runPodSandbox({ config: podConfig('taken') }), { message: /exists/ });
  t.not(taken, '');
  t.is((await rt.oci.state(taken))?.status, 'created', 'the other container is still there');
  t.deepEqual(deps.state.sandboxes.list(), []);
});

test('StopPodSandbox stops the holder without reporting its exit as a death', async (t) => {
  const { rt, deps, serve } = await runtime(t);
  const logs: string[] = [];
  const cri = await serve({ ...deps, log: (line: string) => void logs.push(line) });
  const { podSandboxId } = await cri.runPodSandbox({ config: podConfig('stops') });
  await cri.stopPodSandbox({ podSandboxId });
  t.is((await rt.oci.state(holderId(podSandboxId)))?.status, 'stopped');
  await new Promise((resolve) => setImmediate(resolve)); // a watch still armed would have run by now
  t.deepEqual(logs.filter((l) => /pid namespace holder/.test(l)), []);
  t.is((await cri.podSandboxStatus({ podSandboxId })).status?.state, 'SANDBOX_NOTREADY');
});
