// The streaming server over loopback with an in-process backend, driven by the client-go-like
// SPDY and WebSocket clients: protocol negotiation, tokens, stream wiring and statuses.
import { createServer, connect, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import type { RpcContext } from '../../../../src/cri/rpc/types.js';
import { attach } from '../../../../src/cri/rpc/attach.js';
import { exec } from '../../../../src/cri/rpc/exec.js';
import { portForward } from '../../../../src/cri/rpc/port-forward.js';
import { startStreamingServer, type StreamingBackend, type StreamingIo } from '../../../../src/cri/streaming/server.js';
import { FakeClock, type Clock } from '../../../../src/host/clock.js';
import { spdyConnect, spdyExec, spdyPortForward, UpgradeRefused } from '../../../helpers/spdy-client.js';
import { wsExec, wsPortForward } from '../../../helpers/ws-client.js';

const execReq = (cmd: string[], o: Partial<{ stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }> = {}) => ({
  containerId: 'c1', cmd, tty: false, stdin: false, stdout: true, stderr: true, auditRequestId: '', ...o,
});

/** Commands understood by the fake container: echo, cat, fail <code>, warn <text>, boom. */
const backend: StreamingBackend = {
  async exec(containerId, cmd, io) {
    if (containerId !== 'c1') throw new Error(`container ${containerId} not found`);
    const [name, ...args] = cmd;
    switch (name) {
      case 'echo':
        io.stdout?.write(args.join(' ') + '\n');
        return 0;
      case 'cat':
        for await (const chunk of io.stdin as Readable) io.stdout?.write(chunk);
        return 0;
      case 'fail':
        return Number(args[0]);
      case 'warn':
        io.stderr?.write(args.join(' '));
        return 0;
      case 'size':
        for await (const s of io.resize!) {
          io.stdout?.write(`${s.width}x${s.height}`);
          return 0;
        }
        return 1;
      default:
        throw new Error(`exec: ${name}: not found`);
    }
  },
  async attach(_id, io: StreamingIo) {
    (io.stdout as Writable).write('attached\n');
  },
  async portForward(sandboxId, port) {
    if (sandboxId !== 's1') throw new Error('no such sandbox');
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    return sock;
  },
};

async function server(t: ExecutionContext, clock?: Clock) {
  const s = await startStreamingServer({ address: '127.0.0.1:0', backend, ...(clock && { clock }) });
  t.teardown(() => s.close());
  return s;
}

/** Answers "got:<what it was sent>" when the client half-closes. */
async function replyServer(t: ExecutionContext): Promise<number> {
  const srv = createServer({ allowHalfOpen: true }, (c) => {
    let d = '';
    c.on('data', (x) => (d += x));
    c.on('end', () => c.end(`got:${d}`));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return (srv.address() as AddressInfo).port;
}

test('URLs name the kind and a token under the server address', async (t) => {
  const s = await server(t);
  const { url } = await s.getExec(execReq(['echo']));
  t.regex(url, new RegExp(`^http://${s.address}/exec/[A-Za-z0-9_-]{11}$`));
  t.regex((await s.getAttach({ containerId: 'c1', stdin: false, tty: false, stdout: true, stderr: false, auditRequestId: '' })).url, /\/attach\//);
  t.regex((await s.getPortForward({ podSandboxId: 's1', port: [80] })).url, /\/portforward\//);
});

test('requests the kubelet refuses are invalid arguments', async (t) => {
  const s = await server(t);
  await t.throwsAsync(s.getExec(execReq(['x'], { containerId: '' } as never)), { message: 'missing required container_id' });
  await t.throwsAsync(s.getExec(execReq(['x'], { tty: true, stderr: true })), { message: 'tty and stderr cannot both be true' });
  await t.throwsAsync(s.getExec(execReq(['x'], { stdout: false, stderr: false })), { message: 'one of stdin, stdout, or stderr must be set' });
  await t.throwsAsync(s.getPortForward({ podSandboxId: '', port: [] }), { message: 'missing required pod_sandbox_id' });
});

test('SPDY v4: exec output, stderr and Success status', async (t) => {
  const s = await server(t);
  const r = await spdyExec((await s.getExec(execReq(['echo', 'hello', 'world']))).url);
  t.is(r.protocol, 'v4.channel.k8s.io');
  t.is(r.stdout, 'hello world\n');
  t.deepEqual(r.status, { metadata: {}, status: 'Success' });
  const w = await spdyExec((await s.getExec(execReq(['warn', 'careful']))).url);
  t.is(w.stderr, 'careful');
});

test('SPDY v4: stdin reaches the command and its end ends it', async (t) => {
  const s = await server(t);
  const big = 'x'.repeat(200_000);
  const r = await spdyExec((await s.getExec(execReq(['cat'], { stdin: true }))).url, { stdin: big });
  t.is(r.stdout.length, big.length);
});

test('SPDY v4: non-zero exit code and runtime failure statuses', async (t) => {
  const s = await server(t);
  const r = await spdyExec((await s.getExec(execReq(['fail', '42']))).url);
  t.like(r.status, { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '42' }] } });
  const e = await spdyExec((await s.getExec(execReq(['nope']))).url);
  t.like(e.status, { status: 'Failure', reason: 'InternalError', code: 500 });
});

test('SPDY v2: no JSON, a failure is its message as text', async (t) => {
  const s = await server(t);
  const r = await spdyExec((await s.getExec(execReq(['fail', '2']))).url, { protocols: ['v2.channel.k8s.io'] });
  t.is(r.protocol, 'v2.channel.k8s.io');
  t.regex(r.rawError, /^command terminated with non-zero exit code/);
});

test('SPDY v4 with tty: resize stream delivers terminal sizes', async (t) => {
  const s = await server(t);
  const { url } = await s.getExec(execReq(['size'], { tty: true, stderr: false }));
  const { session } = await spdyConnect(url, ['v4.channel.k8s.io']);
  const error = await session.open({ streamtype: 'error' });
  const stdout = await session.open({ streamtype: 'stdout' });
  const resize = await session.open({ streamtype: 'resize' });
  resize.write('{"Width":120,"Height":40}\n');
  const out = await collect(stdout);
  t.is(out, '120x40');
  t.deepEqual(JSON.parse(await collect(error)), { metadata: {}, status: 'Success' });
  session.close();
});

test('SPDY: unknown protocol is refused with the accepted list; tokens are single use; unknown token is 404', async (t) => {
  const s = await server(t);
  const { url } = await s.getExec(execReq(['echo']));
  const refused = await t.throwsAsync(spdyConnect(url, ['v9.channel.k8s.io']));
  t.is((refused as UpgradeRefused).statusCode, 403);
  t.deepEqual((refused as UpgradeRefused).headers['x-accepted-stream-protocol-versions'], 'v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io');
  const again = await t.throwsAsync(spdyConnect(url, ['v4.channel.k8s.io']));
  t.is((again as UpgradeRefused).statusCode, 404);
  const { url: pf } = await s.getPortForward({ podSandboxId: 's1', port: [1] });
  const wrongKind = await t.throwsAsync(spdyConnect(pf.replace('/portforward/', '/exec/'), ['v4.channel.k8s.io']));
  t.is((wrongKind as UpgradeRefused).statusCode, 404);
});

test('tokens expire after a minute', async (t) => {
  const clock = new FakeClock(0);
  const s = await server(t, clock);
  const { url } = await s.getExec(execReq(['echo']));
  clock.advance(60_000);
  const err = await t.throwsAsync(spdyConnect(url, ['v4.channel.k8s.io']));
  t.is((err as UpgradeRefused).statusCode, 404);
});

test('plain HTTP without upgrade: 400, and the token is spent', async (t) => {
  const s = await server(t);
  const { url } = await s.getExec(execReq(['echo']));
  const code = await new Promise<number>((resolve) => request(url, { method: 'POST' }, (res) => (res.resume(), resolve(res.statusCode!))).end());
  t.is(code, 400);
  t.is((await t.throwsAsync<UpgradeRefused>(spdyConnect(url, ['v4.channel.k8s.io']))).statusCode, 404);
});

test('WebSocket v5: exec with stdin closed by the close signal; exit code in the Status', async (t) => {
  const s = await server(t);
  const r = await wsExec((await s.getExec(execReq(['cat'], { stdin: true }))).url, { stdin: 'through the socket' });
  t.is(r.protocol, 'v5.channel.k8s.io');
  t.is(r.stdout, 'through the socket');
  t.deepEqual(r.status, { metadata: {}, status: 'Success' });
  const f = await wsExec((await s.getExec(execReq(['fail', '7']))).url);
  t.like(f.status, { reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
});

test('WebSocket v4 base64: text frames', async (t) => {
  const s = await server(t);
  const r = await wsExec((await s.getExec(execReq(['echo', 'b64']))).url, { protocols: ['v4.base64.channel.k8s.io'] });
  t.is(r.protocol, 'v4.base64.channel.k8s.io');
  t.is(r.stdout, 'b64\n');
  t.deepEqual(r.status, { metadata: {}, status: 'Success' });
});

test('attach over WebSocket', async (t) => {
  const s = await server(t);
  const r = await wsExec((await s.getAttach({ containerId: 'c1', stdin: false, tty: false, stdout: true, stderr: false, auditRequestId: '' })).url);
  t.is(r.stdout, 'attached\n');
  t.deepEqual(r.status, { metadata: {}, status: 'Success' });
});

test('port-forward over SPDY: data both ways, half-close passed on', async (t) => {
  const s = await server(t);
  const port = await replyServer(t);
  const r = await spdyPortForward((await s.getPortForward({ podSandboxId: 's1', port: [port] })).url, port, 'ping');
  t.deepEqual(r, { data: 'got:ping', error: '' });
});

test('port-forward over SPDY: a dial failure goes to the error stream', async (t) => {
  const s = await server(t);
  const r = await spdyPortForward((await s.getPortForward({ podSandboxId: 'other', port: [1] })).url, 1, 'x');
  t.is(r.data, '');
  t.is(r.error, 'error forwarding port 1 to pod other, uid : no such sandbox');
});

test('port-forward over WebSocket: port prefixes, then the target\'s answer', async (t) => {
  const s = await server(t);
  const srv = createServer((c) => c.end('hello from target'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const port = (srv.address() as AddressInfo).port;
  const [r] = await wsPortForward((await s.getPortForward({ podSandboxId: 's1', port: [port] })).url, [port]);
  t.deepEqual(r, { data: 'hello from target', error: '' });
});

function collect(s: Readable): Promise<string> {
  return new Promise((resolve) => {
    let d = '';
    s.on('data', (x: Buffer) => (d += x));
    s.once('end', () => resolve(d));
  });
}

test('RPC handlers validate and hand out URLs from deps.streaming', async (t) => {
  const s = await server(t);
  const ctx = { deps: { streaming: s }, signal: new AbortController().signal } as unknown as RpcContext;
  const r = await spdyExec((await exec(execReq(['echo', 'via', 'rpc']), ctx)).url ?? '');
  t.is(r.stdout, 'via rpc\n');
  await t.throwsAsync(exec(execReq([]), ctx), { message: 'missing required cmd' });
  t.regex((await attach({ containerId: 'c1', stdin: true, tty: false, stdout: false, stderr: false, auditRequestId: '' }, ctx)).url ?? '', /\/attach\//);
  await t.throwsAsync(portForward({ podSandboxId: 's1', port: [70000] }, ctx), { message: 'invalid port 70000' });
  t.regex((await portForward({ podSandboxId: 's1', port: [80] }, ctx)).url ?? '', /\/portforward\//);
});
