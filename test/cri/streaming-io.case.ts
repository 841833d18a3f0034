import { eventually } from '../helpers/names.js';
import { runPod, sleeper, startContainer, waitContainer, type RegisterCases } from './suite.js';
import { spdyPortForward, spdyStream, wsExec } from './streaming-client.js';

// cri-tools validate/streaming.go: Exec, Attach and PortForward followed through their URLs
// as kubectl and crictl do (client-go's SPDY executor and port-forwarder), and exec over the
// WebSocket channel protocol, which newer client-go prefers. The clients dial from inside the
// node netns, where the streaming server listens.
export const streamingIoCases: RegisterCases = (test, fx) => {
  test('Exec over SPDY (v4.channel.k8s.io): stdout of echo, stdin through cat, a non-zero exit code in the Status', async (t) => {
    const { runtime } = fx().cri;
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx()));
    const exec = async (cmd: string[], stdin?: string) => {
      const { url } = await runtime.exec({ containerId: id, cmd, stdin: stdin !== undefined, stdout: true, stderr: true });
      return spdyStream(fx().nodeNetns, url, { stdin });
    };
    const echo = await exec(['echo', 'hello']);
    t.like(echo, { protocol: 'v4.channel.k8s.io', stdout: 'hello\n', stderr: '' });
    t.is(echo.status?.status, 'Success', echo.rawError);
    const cat = await exec(['cat'], 'through stdin\n');
    t.like(cat, { stdout: 'through stdin\n', stderr: '' });
    t.is(cat.status?.status, 'Success', cat.rawError);
    const failed = await exec(['/bin/sh', '-c', 'echo bad >&2; exit 3']);
    t.is(failed.stderr, 'bad\n');
    t.like(failed.status, { status: 'Failure', reason: 'NonZeroExitCode' }, failed.rawError);
    t.deepEqual(failed.status?.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('Exec over WebSocket (v5.channel.k8s.io, or v4 where the runtime has no v5): output and the exit code in the Status', async (t) => {
    const { runtime } = fx().cri;
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx()));
    const exec = async (cmd: string[], stdin?: string) => {
      const { url } = await runtime.exec({ containerId: id, cmd, stdin: stdin !== undefined, stdout: true, stderr: true });
      return wsExec(fx().nodeNetns, url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { stdin });
    };
    const echo = await exec(['echo', 'hello']);
    t.log(`${fx().name} negotiates ${echo.protocol}`);
    t.like(echo, { stdout: 'hello\n', stderr: '' });
    t.is(echo.status?.status, 'Success', echo.rawError);
    const failed = await exec(['/bin/sh', '-c', 'exit 5']);
    t.like(failed.status, { status: 'Failure', reason: 'NonZeroExitCode' }, failed.rawError);
    t.deepEqual(failed.status?.details?.causes, [{ reason: 'ExitCode', message: '5' }]);
    // Only v5 can say "stdin ended" (the close signal); over v4, cat would never exit.
    if (echo.protocol === 'v5.channel.k8s.io') {
      const cat = await exec(['cat'], 'through stdin\n');
      t.is(cat.stdout, 'through stdin\n');
    }
  });

  test('PortForward over SPDY (portforward.k8s.io): an HTTP GET through the tunnel reaches httpd on 8080', async (t) => {
    const pod = await runPod(t, fx());
    await startContainer(t, fx(), pod, { image: { image: fx().images.httpd } });
    // httpd needs a moment to listen; until then the runtime reports the refused dial.
    const res = await eventually(async () => {
      const { url } = await fx().cri.runtime.portForward({ podSandboxId: pod.id, port: [8080] });
      const r = await spdyPortForward(fx().nodeNetns, url, 8080, 'GET /index.html HTTP/1.0\r\n\r\n');
      if (!r.data.startsWith('HTTP/1.')) throw new Error(`no answer yet: ${JSON.stringify(r)}`);
      return r;
    }, 30_000);
    t.regex(res.data, /^HTTP\/1\.[01] 200/);
    t.true(res.data.endsWith('hello from skiff\n'), res.data);
    t.is(res.error, '');
  });

  test('PortForward to a host-network pod reaches a port it listens on in the node netns', async (t) => {
    // cri-tools: "runtime should support portforward in host network". The node netns is the
    // suite's own, so any free port will do; a random one keeps parallel cases apart.
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    // As the kubelet sends a host-network pod: no hostname (it has the node's UTS namespace;
    // runc refuses to set one), and the pod's namespace options with each container too.
    const namespaceOptions = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
    const pod = await runPod(t, fx(), { hostname: '', linux: { securityContext: { namespaceOptions } } });
    await startContainer(t, fx(), pod, {
      image: { image: fx().images.httpd }, command: ['/bin/httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'],
      linux: { securityContext: { namespaceOptions } },
    });
    const res = await eventually(async () => {
      const { url } = await fx().cri.runtime.portForward({ podSandboxId: pod.id, port: [port] });
      const r = await spdyPortForward(fx().nodeNetns, url, port, 'GET /index.html HTTP/1.0\r\n\r\n');
      if (!r.data.startsWith('HTTP/1.')) throw new Error(`no answer yet: ${JSON.stringify(r)}`);
      return r;
    }, 30_000);
    t.regex(res.data, /^HTTP\/1\.[01] 200/);
    t.true(res.data.endsWith('hello from skiff\n'), res.data);
    t.is(res.error, '');
  });

  test('Attach over SPDY: stdin reaches a stdinOnce container and its output comes back', async (t) => {
    const { runtime } = fx().cri;
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, { image: { image: fx().images.busybox }, command: ['cat'], stdin: true, stdinOnce: true });
    await waitContainer(fx(), id, (s) => s.state === 'CONTAINER_RUNNING');
    const { url } = await runtime.attach({ containerId: id, stdin: true, stdout: true, stderr: true });
    const res = await spdyStream(fx().nodeNetns, url, { stdin: 'attached\n' });
    t.is(res.stdout, 'attached\n');
    t.is(res.status?.status, 'Success', res.rawError);
    // stdinOnce: the end of our stdin closed the container's, so cat is done.
    t.like(await waitContainer(fx(), id, (s) => s.state === 'CONTAINER_EXITED'), { exitCode: 0 });
  });
};
