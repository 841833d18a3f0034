import type { ExecutionContext, TestFn } from 'ava';
import { eventually } from '../helpers/names.js';
import { pidsMatching, type CriFixture } from './fixtures.js';
import { exec, runPod, sleeper, startContainer, waitContainer, exited, type Pod, type RegisterCases } from './suite.js';

// Kubernetes shareProcessNamespace: the pod's sandbox asks for pid mode POD and so does each
// container. Upstream, a pause process is PID 1 of that namespace for the pod's whole life
// (containerd's sandbox container, CRI-O's infra container; skiff's pid holder), so one
// container exiting leaves the others running, and PID 1 is not any of them.

const SHARED = { network: 'POD', pid: 'POD', ipc: 'POD' } as const;
const shared = { linux: { securityContext: { namespaceOptions: SHARED } } };

/** The command lines of every process the container sees, as "pid argv..." lines read from /proc. */
async function processes(fx: CriFixture, id: string): Promise<string[]> {
  const script = 'for d in /proc/[0-9]*; do echo "${d#/proc/} $(tr "\\0" " " < $d/cmdline 2>/dev/null)"; done';
  const r = await exec(fx, id, ['sh', '-c', script]);
  return r.stdout.split('\n').filter(Boolean);
}

/** PID 1's argv as one line, as the container sees it. */
async function pid1(fx: CriFixture, id: string): Promise<string> {
  return (await exec(fx, id, ['cat', '/proc/1/cmdline'])).stdout.split('\0').filter(Boolean).join(' ');
}

/** A pod sharing one pid namespace, with two sleepers whose argv tell them apart. */
async function sharedPod(t: ExecutionContext, fx: CriFixture): Promise<{ pod: Pod; a: string; b: string }> {
  const pod = await runPod(t, fx, shared);
  const a = await startContainer(t, fx, pod, sleeper(fx, { ...shared, command: ['/bin/sleep', '3601'] }));
  const b = await startContainer(t, fx, pod, sleeper(fx, { ...shared, command: ['/bin/sleep', '3602'] }));
  return { pod, a, b };
}

export const pidNamespaceCases: RegisterCases = (test, fx) => {
  test('pid mode POD: containers see each other, PID 1 is the pause process, and one exiting leaves the other running', async (t) => {
    const { a, b } = await sharedPod(t, fx());
    for (const id of [a, b]) {
      const seen = (await processes(fx(), id)).join('\n');
      t.regex(seen, /sleep 3601/, `${id} sees A`);
      t.regex(seen, /sleep 3602/, `${id} sees B`);
    }
    // containerd's is the fixture's pause image (skiff-pause as /pause, user 65535), skiff's its pid holder.
    t.is(await pid1(fx(), b), '/pause', 'PID 1 of the pod is its pause process, neither container');
    // As upstream's pause image: an unprivileged user, no capabilities.
    const status = (await exec(fx(), b, ['cat', '/proc/1/status'])).stdout;
    t.regex(status, /^Uid:\s+65535\s/m);
    t.regex(status, /^CapEff:\s+0+$/m);

    await fx().cri.runtime.stopContainer({ containerId: a, timeout: 0 });
    await waitContainer(fx(), a, exited);
    t.like((await fx().cri.runtime.containerStatus({ containerId: b })).status, { state: 'CONTAINER_RUNNING' });
    t.like(await exec(fx(), b, ['echo', 'still here']), { stdout: 'still here\n', exitCode: 0 });
    const after = (await processes(fx(), b)).join('\n');
    t.notRegex(after, /sleep 3601/, 'A is gone from the namespace');
    t.regex(after, /sleep 3602/);
  });

  test('pid mode POD: a container\'s children die with it, stopped or exited, as containerd kills all in a joined pid namespace', async (t) => {
    const pod = await runPod(t, fx(), shared);
    // The background sleeps outlive their shell's exec'd main process unless the runtime
    // kills the container's whole cgroup: re-parented to the pod's PID 1, they would run on.
    const stopped = await startContainer(t, fx(), pod, sleeper(fx(), { ...shared, command: ['sh', '-c', 'sleep 3700 & exec sleep 3701'] }));
    const ends = await startContainer(t, fx(), pod, sleeper(fx(), { ...shared, command: ['sh', '-c', 'sleep 3703 & exec sleep 1'] }));
    const b = await startContainer(t, fx(), pod, sleeper(fx(), { ...shared, command: ['/bin/sleep', '3702'] }));
    const before = (await processes(fx(), b)).join('\n');
    for (const re of [/sleep 3700/, /sleep 3701/, /sleep 3702/]) t.regex(before, re);

    await fx().cri.runtime.stopContainer({ containerId: stopped, timeout: 0 });
    await waitContainer(fx(), ends, exited);
    await waitContainer(fx(), stopped, exited);
    const after = (await processes(fx(), b)).join('\n');
    t.notRegex(after, /sleep 3700/, 'the stopped container\'s child is gone');
    t.notRegex(after, /sleep 3701/, 'the stopped container\'s main process is gone');
    t.notRegex(after, /sleep 3703/, 'the child of the container that exited by itself is gone');
    t.regex(after, /sleep 3702/, 'the other container runs on');
  });

  test('pid mode NODE: what a stopped container leaves in the node\'s pid namespace is killed with it', async (t) => {
    const node = { linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'NODE', ipc: 'POD' } } } } as const;
    const pod = await runPod(t, fx(), node);
    // Seconds no other test (or runtime suite running beside this one) sleeps for.
    const [child, main] = [4_000_000 + Math.floor(Math.random() * 1_000_000), 5_000_000 + Math.floor(Math.random() * 1_000_000)];
    const id = await startContainer(t, fx(), pod, sleeper(fx(), { ...node, command: ['sh', '-c', `sleep ${child} & exec sleep ${main}`] }));
    await eventually(async () => {
      if ((await pidsMatching(`${child}`)).length !== 1) throw new Error(`sleep ${child} is not running yet`);
    }, 20_000);
    await fx().cri.runtime.stopContainer({ containerId: id, timeout: 0 });
    await waitContainer(fx(), id, exited);
    // Re-parented to the node's init, the child would run on in the container's cgroup.
    await eventually(async () => {
      const left = await pidsMatching(`${child}`);
      if (left.length) throw new Error(`still running: ${left.map((p) => p.argv.join(' ')).join('; ')}`);
    }, 10_000);
    t.deepEqual(await pidsMatching(`${main}`), []);
  });

  test('pid mode POD: an orphan in the shared namespace is reaped by PID 1', async (t) => {
    const { b } = await sharedPod(t, fx());
    // The exec'd shell exits at once; its sleep is re-parented to the namespace's PID 1, and
    // once it exits only a wait by PID 1 removes it (a zombie keeps its /proc entry).
    const orphan = (await exec(fx(), b, ['sh', '-c', 'sleep 0.3 & echo $!'])).stdout.trim();
    t.regex(orphan, /^\d+$/);
    await eventually(async () => {
      const r = await exec(fx(), b, ['sh', '-c', `cat /proc/${orphan}/status 2>/dev/null | grep -E "^(State|PPid):" | tr "\\n" " "`]);
      if (r.stdout.trim()) throw new Error(`orphan ${orphan} still there: ${r.stdout}`);
    }, 20_000);
    t.pass();
  });

  test('pid mode POD: ListContainers shows only the pod\'s own containers, the pod is ready', async (t) => {
    const { pod, a, b } = await sharedPod(t, fx());
    const listed = (await fx().cri.runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers.map((c) => c.id).sort();
    t.deepEqual(listed, [a, b].sort());
    t.is((await fx().cri.runtime.podSandboxStatus({ podSandboxId: pod.id })).status?.state, 'SANDBOX_READY');
  });
};

/**
 * The pid holder survives a restart of the runtime; a runtime of its own per case, as
 * restartCases (register beside it: `pidNamespaceRestartCases(rt, () => startSkiffCri())`).
 */
export function pidNamespaceRestartCases(test: TestFn, start: () => Promise<CriFixture>): void {
  test('pid mode POD: after a SIGTERM restart the shared pid namespace and its PID 1 are still there', async (t) => {
    const fx = await start();
    t.teardown(() => fx.stop());
    const { pod, a, b } = await sharedPod(t, fx);
    await fx.restart!(false);
    t.is((await fx.cri.runtime.podSandboxStatus({ podSandboxId: pod.id })).status?.state, 'SANDBOX_READY');
    t.is(await pid1(fx, b), '/pause', 'PID 1 is still the pod\'s pause process');
    await fx.cri.runtime.stopContainer({ containerId: a, timeout: 0 });
    t.like(await exec(fx, b, ['echo', 'alive']), { stdout: 'alive\n', exitCode: 0 });
    const c = await startContainer(t, fx, pod, sleeper(fx, { ...shared, command: ['/bin/sleep', '3603'] }));
    t.regex((await processes(fx, c)).join('\n'), /sleep 3602/, 'a new container joins the same namespace');
  });
}
