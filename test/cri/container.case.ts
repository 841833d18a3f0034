import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from '../../src/cri/errors.js';
import { uniq } from '../helpers/names.js';
import { createContainer, exited, ns, runPod, sleeper, startContainer, waitContainer, waitForLog, type RegisterCases } from './suite.js';

// cri-tools validate/container.go: lifecycle and status, exit codes and reasons, list
// filters, StopContainer's grace period, and the CRI log format.
export const containerCases: RegisterCases = (test, fx) => {
  test('container lifecycle: CREATED, RUNNING, EXITED after StopContainer, then gone after RemoveContainer', async (t) => {
    const { runtime } = fx().cri;
    const pod = await runPod(t, fx());
    const labels = { role: uniq('r') };
    // The shell ignores SIGTERM as PID 1 too; "up" says the exec from runc init is done.
    const id = await createContainer(t, fx(), pod, sleeper(fx(), { labels, annotations: { note: 'n' }, command: ['/bin/sh', '-c', 'echo up; exec sleep 3600'] }));
    let status = (await runtime.containerStatus({ containerId: id })).status!;
    t.is(status.state, 'CONTAINER_CREATED');
    t.true(ns(status.createdAt) > 0n);
    t.is(ns(status.startedAt), 0n);
    t.deepEqual(status.labels, labels);
    t.deepEqual(status.annotations, { note: 'n' });
    t.is(status.image?.image, fx().images.busybox);
    t.truthy(status.imageRef);
    await runtime.startContainer({ containerId: id });
    status = (await runtime.containerStatus({ containerId: id })).status!;
    t.is(status.state, 'CONTAINER_RUNNING');
    t.true(ns(status.startedAt) >= ns(status.createdAt));
    await waitForLog(fx(), id, 'up');
    // sleep as PID 1 ignores SIGTERM: the 1 s grace period ends in SIGKILL.
    await runtime.stopContainer({ containerId: id, timeout: 1 });
    status = (await runtime.containerStatus({ containerId: id })).status!;
    t.is(status.state, 'CONTAINER_EXITED');
    t.is(status.exitCode, 137);
    t.is(status.reason, 'Error');
    t.true(ns(status.finishedAt) >= ns(status.startedAt));
    await runtime.stopContainer({ containerId: id, timeout: 0 });
    await runtime.removeContainer({ containerId: id });
    await runtime.removeContainer({ containerId: id });
    const err = await t.throwsAsync(runtime.containerStatus({ containerId: id }));
    t.true(isNotFound(err), String(err));
    t.deepEqual((await runtime.listContainers({ filter: { id } })).containers, []);
  });

  test('a container that exits on its own: exit code, reason Completed or Error, finishedAt', async (t) => {
    const pod = await runPod(t, fx());
    const ok = await startContainer(t, fx(), pod, { image: { image: fx().images.busybox }, command: ['/bin/true'] });
    const bad = await startContainer(t, fx(), pod, { image: { image: fx().images.busybox }, command: ['/bin/sh', '-c', 'exit 3'] });
    const [s0, s3] = [await waitContainer(fx(), ok, exited), await waitContainer(fx(), bad, exited)];
    t.like(s0, { exitCode: 0, reason: 'Completed' });
    t.like(s3, { exitCode: 3, reason: 'Error' });
    // Not finishedAt >= startedAt: containerd 1.6 stamps startedAt after StartContainer
    // returns, so a process that exits at once can finish "before" it started.
    for (const s of [s0, s3]) t.true(ns(s.startedAt) > 0n && ns(s.finishedAt) >= ns(s.createdAt), JSON.stringify(s));
  });

  test('ListContainers filters by id, pod, state and labels', async (t) => {
    const { runtime } = fx().cri;
    const [p1, p2] = [await runPod(t, fx()), await runPod(t, fx())];
    const app = uniq('app');
    const a = await startContainer(t, fx(), p1, sleeper(fx(), { labels: { app, which: 'a' } }));
    const b = await createContainer(t, fx(), p1, sleeper(fx(), { labels: { app, which: 'b' } }));
    const c = await startContainer(t, fx(), p2, sleeper(fx(), { labels: { app, which: 'c' } }));
    const ids = async (filter: object) => (await runtime.listContainers({ filter })).containers.map((x) => x.id).sort();
    t.deepEqual(await ids({ id: a }), [a]);
    t.deepEqual(await ids({ podSandboxId: p1.id }), [a, b].sort());
    t.deepEqual(await ids({ labelSelector: { app } }), [a, b, c].sort());
    t.deepEqual(await ids({ labelSelector: { app }, state: { state: 'CONTAINER_CREATED' } }), [b]);
    t.deepEqual(await ids({ labelSelector: { app }, state: { state: 'CONTAINER_RUNNING' } }), [a, c].sort());
    t.deepEqual(await ids({ podSandboxId: p2.id, labelSelector: { which: 'c' } }), [c]);
    const item = (await runtime.listContainers({ filter: { id: c } })).containers[0]!;
    t.like(item, { id: c, podSandboxId: p2.id, state: 'CONTAINER_RUNNING', labels: { app, which: 'c' } });
    t.is(item.image?.image, fx().images.busybox);
  });

  test('StopContainer sends SIGTERM first: a container that handles it exits 0 within a long grace period', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, {
      image: { image: fx().images.busybox },
      command: ['/bin/sh', '-c', 'trap "exit 0" TERM; echo ready; while true; do sleep 0.1; done'],
    });
    await waitForLog(fx(), id, 'ready'); // printed after the trap is set
    await fx().cri.runtime.stopContainer({ containerId: id, timeout: 60 });
    const s = (await fx().cri.runtime.containerStatus({ containerId: id })).status!;
    t.like(s, { state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
  });

  test('logs land at the log path in the CRI format, stdout and stderr tagged', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, {
      metadata: { name: 'logger' },
      logPath: 'logger/0.log',
      image: { image: fx().images.busybox },
      command: ['/bin/sh', '-c', 'echo out one; echo err one >&2; echo out two'],
    });
    const s = await waitContainer(fx(), id, exited);
    t.is(s.logPath, join(pod.logDir, 'logger/0.log'));
    const lines = (await readFile(s.logPath, 'utf8')).split('\n').filter(Boolean);
    const parsed = lines.map((l) => /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(l));
    t.true(parsed.every(Boolean), lines.join('\n'));
    for (const m of parsed) t.false(Number.isNaN(Date.parse(m![1]!)), `timestamp ${m![1]}`);
    const of = (stream: string) => parsed.filter((m) => m![2] === stream).map((m) => `${m![3]} ${m![4]}`);
    t.deepEqual(of('stdout'), ['F out one', 'F out two']);
    t.deepEqual(of('stderr'), ['F err one']);
  });
};
