// The streaming server against real processes: exec runs commands on the host (this tests the
// streaming layer; the container backend is the runtime's), and port-forward dials into a
// private network namespace through nsenter + busybox nc, as the runtime will.
import { spawn } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { dialInNetns } from '../../src/cri/streaming/netns-dial.js';
import { startStreamingServer, type StreamingBackend } from '../../src/cri/streaming/server.js';
import { exitCodeOf } from '../../src/cri/streaming/status.js';
import { host, netns } from '../helpers/cni.js';
import { tcpServer } from '../helpers/process.js';
import { rootOnly } from '../helpers/root.js';
import { spdyExec, spdyPortForward } from '../helpers/spdy-client.js';
import { wsExec, wsPortForward } from '../helpers/ws-client.js';

const rtest = rootOnly(test);

function hostBackend(sandboxes: Map<string, string>): StreamingBackend {
  return {
    exec(_id, cmd, io) {
      const child = spawn(cmd[0]!, cmd.slice(1), { stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', io.stderr ? 'pipe' : 'ignore'] });
      if (io.stdin) io.stdin.pipe(child.stdin!);
      child.stdin?.on('error', () => {});
      if (io.stdout) child.stdout!.pipe(io.stdout, { end: false });
      if (io.stderr) child.stderr!.pipe(io.stderr, { end: false });
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code) => resolve(code ?? 128));
      });
    },
    attach: () => Promise.reject(new Error('attach is not part of this test')),
    portForward(sandboxId, port) {
      const pin = sandboxes.get(sandboxId);
      return pin ? dialInNetns(pin, port) : Promise.reject(new Error(`sandbox ${sandboxId} not found`));
    },
  };
}

async function setup(t: ExecutionContext) {
  const sandboxes = new Map<string, string>();
  const server = await startStreamingServer({ address: '127.0.0.1:0', backend: hostBackend(sandboxes) });
  t.teardown(() => server.close());
  return { server, sandboxes };
}

const exec = (cmd: string[], o: { stdin?: boolean } = {}) => ({ containerId: 'c', cmd, tty: false, stdin: !!o.stdin, stdout: true, stderr: true, auditRequestId: '' });

rtest('exec echo over SPDY v4 and WebSocket v5', async (t) => {
  const { server } = await setup(t);
  const s = await spdyExec((await server.getExec(exec(['echo', 'hello']))).url);
  t.is(s.stdout, 'hello\n');
  t.is(exitCodeOf(s.status!), 0);
  const w = await wsExec((await server.getExec(exec(['echo', 'hello']))).url);
  t.is(w.stdout, 'hello\n');
  t.is(exitCodeOf(w.status!), 0);
});

rtest('stdin passes through to cat and its end ends cat', async (t) => {
  const { server } = await setup(t);
  const input = 'line\n'.repeat(20_000);
  const s = await spdyExec((await server.getExec(exec(['cat'], { stdin: true }))).url, { stdin: input });
  t.is(s.stdout, input);
  const w = await wsExec((await server.getExec(exec(['cat'], { stdin: true }))).url, { stdin: 'over websocket' });
  t.is(w.stdout, 'over websocket');
});

rtest('non-zero exit codes and stderr are reported', async (t) => {
  const { server } = await setup(t);
  const s = await spdyExec((await server.getExec(exec(['sh', '-c', 'echo oops >&2; exit 3']))).url);
  t.is(s.stderr, 'oops\n');
  t.is(exitCodeOf(s.status!), 3);
  const w = await wsExec((await server.getExec(exec(['sh', '-c', 'exit 4']))).url);
  t.is(exitCodeOf(w.status!), 4);
});

rtest('port-forward into a private netns through nsenter + nc, over SPDY and WebSocket', async (t) => {
  const { server, sandboxes } = await setup(t);
  const pin = await netns(t, 'pf');
  await host.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], pin);
  await tcpServer(t, pin, 8080, 'hello from the pod');
  sandboxes.set('sb', pin);
  const s = await spdyPortForward((await server.getPortForward({ podSandboxId: 'sb', port: [8080] })).url, 8080, 'ignored');
  t.deepEqual(s, { data: 'hello from the pod', error: '' });
  const [w] = await wsPortForward((await server.getPortForward({ podSandboxId: 'sb', port: [8080] })).url, [8080]);
  t.deepEqual(w, { data: 'hello from the pod', error: '' });
});

rtest('port-forward to a port nobody listens on reports nc\'s error', async (t) => {
  const { server, sandboxes } = await setup(t);
  const pin = await netns(t, 'pf');
  await host.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], pin);
  sandboxes.set('sb', pin);
  const s = await spdyPortForward((await server.getPortForward({ podSandboxId: 'sb', port: [9] })).url, 9, 'x');
  t.is(s.data, '');
  t.regex(s.error, /^error forwarding port 9 to pod sb, uid : .*Connection refused/);
});
