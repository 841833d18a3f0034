import { runPod, exec, sleeper, startContainer, type RegisterCases } from './suite.js';

// cri-tools validate/container.go "execSync": output, exit codes, the timeout.
export const execCases: RegisterCases = (test, fx) => {
  test('ExecSync returns stdout, stderr and the exit code', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx()));
    t.like(await exec(fx(), id, ['echo', 'hello']), { stdout: 'hello\n', stderr: '', exitCode: 0 });
    t.like(await exec(fx(), id, ['/bin/sh', '-c', 'echo oops >&2; exit 7']), { stdout: '', stderr: 'oops\n', exitCode: 7 });
  });

  test('ExecSync past its timeout fails', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx()));
    const err = await t.throwsAsync(exec(fx(), id, ['/bin/sleep', '60'], 1));
    t.log(`${fx().name}: ${(err as { kind?: string })?.kind}: ${err?.message}`);
    t.like(await exec(fx(), id, ['echo', 'still fine']), { exitCode: 0 }, 'the container survives');
  });
};

// cri-tools validate/streaming.go goes on to speak SPDY to these URLs; here only the URLs
// (a streaming server that answers on the loopback of the node).
export const streamingCases: RegisterCases = (test, fx) => {
  test('Exec, Attach and PortForward hand out streaming URLs', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx(), { stdin: true }));
    const { runtime } = fx().cri;
    const urls = [
      (await runtime.exec({ containerId: id, cmd: ['sh'], stdout: true, stderr: true })).url,
      (await runtime.attach({ containerId: id, stdin: true, stdout: true })).url,
      (await runtime.portForward({ podSandboxId: pod.id, port: [8080] })).url,
    ];
    for (const url of urls) t.regex(url, /^https?:\/\/127\.0\.0\.1:\d+\/\S+$/);
    t.is(new Set(urls).size, 3);
  });
};
