import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect, type ClientHttp2Session } from 'node:http2';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import type { CriDeps } from '../../../src/cri/deps.js';
import { criClient } from '../../../src/cri/client.js';
import { serveCri, type CriServer } from '../../../src/cri/server.js';

// Raw HTTP/2 requests against serveCri whose :authority is the socket path, as grpc-go
// sends it when dialled by path: Node's own client and curl (Debian's, as in CI).

const run = promisify(execFile);
const deps = { networkReady: async () => ({ ready: true }), cgroupDriver: 'cgroupfs' } as unknown as CriDeps;
/** An empty VersionRequest as one gRPC message: uncompressed, length 0. */
const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

async function serving(t: { teardown(fn: () => Promise<void>): void }): Promise<CriServer> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-grpcsock-'));
  const server = await serveCri(deps, join(dir, 'cri.sock'));
  t.teardown(async () => {
    await server.close(500);
    await rm(dir, { recursive: true, force: true });
  });
  return server;
}

interface Answer { status: number | undefined; grpcStatus: string | undefined; body: Buffer }

/** A VersionRequest whose version field holds `bytes` bytes, as one gRPC message. */
function bigVersionRequest(bytes: number): Buffer {
  const varint: number[] = [];
  for (let n = bytes; ; n = Math.floor(n / 128)) {
    if (n < 128) { varint.push(n); break; }
    varint.push((n & 0x7f) | 0x80);
  }
  const msg = Buffer.concat([Buffer.from([0x0a, ...varint]), Buffer.alloc(bytes, 0x76)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(msg.length, 1);
  return Buffer.concat([prefix, msg]);
}

function versionCall(session: ClientHttp2Session, authority: string, body: Buffer = EMPTY_MESSAGE): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/runtime.v1.RuntimeService/Version', ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
    const parts: Buffer[] = [];
    let status: number | undefined;
    let grpcStatus: string | undefined;
    req.on('response', (h) => { status = h[':status']; grpcStatus = h['grpc-status'] as string | undefined; });
    req.on('trailers', (h) => { grpcStatus = h['grpc-status'] as string | undefined; });
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve({ status, grpcStatus, body: Buffer.concat(parts) }));
    req.on('error', reject);
    req.end(body);
  });
}

function h2(socketPath: string): ClientHttp2Session {
  // maxSessionMemory: Node's client refuses its own 15 MiB request at the default 10 MB.
  const session = connect('http://localhost', { createConnection: () => createConnection(socketPath), maxSessionMemory: 64 });
  session.on('error', () => {});
  return session;
}

test('a request whose :authority is the socket path is answered (Node http2 client, three requests on one connection)', async (t) => {
  const server = await serving(t);
  const session = h2(server.socketPath);
  t.teardown(() => { session.destroy(); });
  for (let i = 0; i < 3; i++) {
    const answer = await versionCall(session, server.socketPath);
    t.is(answer.status, 200);
    t.is(answer.grpcStatus, '0');
    t.true(answer.body.includes(Buffer.from('skiff')), 'the VersionResponse names skiff');
  }
});

test('100 concurrent requests and a 15 MiB request on one connection, all with the path as :authority', async (t) => {
  const server = await serving(t);
  const session = h2(server.socketPath);
  t.teardown(() => { session.destroy(); });
  const answers = await Promise.all([
    versionCall(session, server.socketPath, bigVersionRequest(15 << 20)),
    ...Array.from({ length: 100 }, () => versionCall(session, server.socketPath)),
  ]);
  t.deepEqual(new Set(answers.map((a) => `${a.status} ${a.grpcStatus}`)), new Set(['200 0']));
});

test('curl --http2-prior-knowledge with the socket path as Host gets a gRPC answer', async (t) => {
  const curl = await run('curl', ['--version']).catch(() => undefined);
  if (!curl) return void t.fail('curl is not installed: scripts/setup.sh installs it (apt-get install curl)');
  const server = await serving(t);
  const body = join(server.socketPath, '..', 'version-request');
  await writeFile(body, EMPTY_MESSAGE);
  const { stdout } = await run('curl', ['-sS', '--http2-prior-knowledge', '--unix-socket', server.socketPath,
    '-H', `Host: ${server.socketPath}`, '-H', 'content-type: application/grpc', '-H', 'te: trailers',
    '--data-binary', `@${body}`, '-D', '-', '-o', '/dev/null', 'http://x/runtime.v1.RuntimeService/Version'], { encoding: 'utf8' })
    .catch((err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout ?? ''}${err.stderr ?? ''}` }));
  t.regex(stdout, /^HTTP\/2 200/m);
  t.regex(stdout, /^grpc-status: 0/m);
});

test('a connection that breaks HTTP/2 framing is closed, one cut mid-request is dropped; the server goes on serving others', async (t) => {
  const server = await serving(t);
  const bad = createConnection(server.socketPath);
  bad.on('error', () => {});
  bad.resume(); // the server's SETTINGS arrive before the close
  bad.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((r) => bad.once('close', () => r()));
  const garbage = createConnection(server.socketPath);
  garbage.on('error', () => {});
  garbage.resume();
  // a valid preface, then a HEADERS frame whose block refers to table index 0
  garbage.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 1, 1, 5, 0, 0, 0, 1, 0x80])]));
  await new Promise<void>((r) => garbage.once('close', () => r()));
  // closed abruptly in the middle of a header block
  const reset = createConnection(server.socketPath);
  reset.on('error', () => {});
  await new Promise<void>((r) => reset.once('connect', () => r()));
  reset.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 9, 1, 4, 0, 0, 0, 1, 0x82])]));
  reset.destroy();
  const client = criClient(server.socketPath);
  t.teardown(() => client.close());
  t.is((await client.runtime.version({})).runtimeName, 'skiff');
});

test('the socket is 0660, and close removes it and ends open client connections', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-grpcsock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const server = await serveCri(deps, join(dir, 'cri.sock'));
  t.is((await stat(server.socketPath)).mode & 0o777, 0o660);
  const made = await serveCri(deps, join(dir, 'made', 'deeper', 'cri.sock'));
  t.teardown(() => made.close(0));
  for (const d of ['made', 'made/deeper']) t.is((await stat(join(dir, d))).mode & 0o007, 0, `${d} is closed to others`);
  const session = h2(server.socketPath);
  await versionCall(session, server.socketPath);
  const closedSession = new Promise<void>((r) => session.once('close', () => r()));
  await server.close(200);
  await closedSession;
  await t.throwsAsync(stat(server.socketPath), { code: 'ENOENT' });
});
