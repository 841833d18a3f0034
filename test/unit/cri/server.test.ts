import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { criClient, type CriClient } from '../../../src/cri/client.js';
import type { CriDeps } from '../../../src/cri/deps.js';
import { CriError, isNotFound, notFound } from '../../../src/cri/errors.js';
import { imageHandlers, runtimeHandlers } from '../../../src/cri/rpc/index.js';
import { serveCri, type CriHandlers, type CriServer } from '../../../src/cri/server.js';
import { ImageStore } from '../../../src/cri/images/store.js';
import { FakeFsMeta } from '../../../src/host/image-fs/fake.js';
import pkg from '../../../package.json' with { type: 'json' };

// An empty image store over a temp dir: these tests never pull.
const imagesDir = await mkdtemp(join(tmpdir(), 'skiff-cri-images-'));
const images = await ImageStore.open(imagesDir, { fs: new FakeFsMeta() });
test.after.always(() => rm(imagesDir, { recursive: true, force: true }));

// Only the runtime-info RPCs run here; the sandbox and container ones have their own tests
// (cri-lifecycle) with a whole fake runtime.
const deps = (over: Partial<CriDeps> = {}): CriDeps => ({
  networkReady: async () => ({ ready: true }),
  cgroupDriver: 'cgroupfs',
  images,
  ...over,
}) as CriDeps;

/** A server on a socket in a fresh temp dir, and a client on it; both gone after the test. */
async function running(t: { teardown(fn: () => Promise<void>): void }, d: CriDeps = deps(), handlers?: CriHandlers): Promise<{ server: CriServer; client: CriClient; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-'));
  const server = await serveCri(d, join(dir, 'run', 'cri.sock'), handlers);
  const client = criClient(server.socketPath);
  t.teardown(async () => {
    client.close();
    await server.close(1000);
    await rm(dir, { recursive: true, force: true });
  });
  return { server, client, dir };
}

async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CriError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

test('Version names skiff and the CRI v1 API', async (t) => {
  const { client } = await running(t);
  t.deepEqual(await client.runtime.version({ version: '0.1.0' }), {
    version: '0.1.0', runtimeName: 'skiff', runtimeVersion: pkg.version, runtimeApiVersion: 'v1',
  });
});

test('Status reports RuntimeReady and NetworkReady with the reason from deps', async (t) => {
  const { client } = await running(t, deps({ networkReady: async () => ({ ready: false, reason: 'NetworkPluginNotReady', message: 'no CNI config in /etc/cni/net.d' }) }));
  const res = await client.runtime.status({});
  t.deepEqual(res.status?.conditions, [
    { type: 'RuntimeReady', status: true, reason: '', message: '' },
    { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'no CNI config in /etc/cni/net.d' },
  ]);
  t.deepEqual(res.runtimeHandlers.map((h) => h.name), ['']);
});

test('Status: a failing network check is NetworkReady=false, not an RPC error', async (t) => {
  const { client } = await running(t, deps({ networkReady: async () => { throw new Error('cannot read /etc/cni/net.d'); } }));
  const net = (await client.runtime.status()).status?.conditions.find((c) => c.type === 'NetworkReady');
  t.is(net?.status, false);
  t.is(net?.reason, 'NetworkPluginNotReady');
  t.regex(net?.message ?? '', /cannot read/);
});

test('RuntimeConfig reports the cgroup driver', async (t) => {
  const a = await running(t, deps({ cgroupDriver: 'systemd' }));
  t.is((await a.client.runtime.runtimeConfig()).linux?.cgroupDriver, 'SYSTEMD');
  const b = await running(t, deps({ cgroupDriver: 'cgroupfs' }));
  t.is((await b.client.runtime.runtimeConfig()).linux?.cgroupDriver, 'CGROUPFS');
});

test('an RPC without a handler is UNIMPLEMENTED and names the RPC', async (t) => {
  const { client } = await running(t, deps(), { runtime: {}, image: {} });
  const err = await rejection(client.runtime.listContainers({}));
  t.is(err.kind, 'unimplemented');
  t.is(err.code, 12);
  t.regex(err.message, /runtime\.v1\.RuntimeService\/ListContainers/);
  t.regex((await rejection(client.image.pullImage({ image: { image: 'busybox' } }))).message, /ImageService\/PullImage/);
  const stream = await rejection((async () => { for await (const _ of client.runtime.getContainerEvents()) t.fail(); })());
  t.is(stream.kind, 'unimplemented');
  const full = await running(t);
  t.is((await rejection(full.client.runtime.checkpointContainer({ containerId: 'x' }))).kind, 'unimplemented', 'not every RPC is implemented yet');
});

const events = (ids: string[]) => ids.map((id, i) => ({ containerId: id, containerEventType: 'CONTAINER_STARTED_EVENT' as const, createdAt: `170000000012345678${i}` }));

test('errors are mapped at the edge: CriError keeps its kind, anything else is INTERNAL', async (t) => {
  const { client } = await running(t, deps(), {
    runtime: {
      ...runtimeHandlers,
      ContainerStatus: async (req) => { throw notFound(`container ${req.containerId} not found`); },
      PodSandboxStatus: async () => { throw new TypeError('bug'); },
    },
    image: imageHandlers,
  });
  const err = await rejection(client.runtime.containerStatus({ containerId: 'c1' }));
  t.true(isNotFound(err));
  t.regex(err.message, /container c1 not found/);
  const internal = await rejection(client.runtime.podSandboxStatus({ podSandboxId: 'p' }));
  t.is(internal.kind, 'internal');
  t.regex(internal.message, /bug/);
});

test('GetContainerEvents streams to an async iterator, int64 intact; breaking out cancels the server side', async (t) => {
  let stopped: () => void = () => {};
  const serverStopped = new Promise<void>((r) => { stopped = r; });
  const { client } = await running(t, deps(), {
    runtime: {
      GetContainerEvents: async function* (_req, { signal }) {
        try {
          yield* events(['a', 'b', 'c']);
          await new Promise((r) => signal.addEventListener('abort', r)); // an idle event feed
        } finally {
          stopped();
        }
      },
    },
    image: {},
  });
  const got: Array<[string, string, string]> = [];
  for await (const ev of client.runtime.getContainerEvents()) {
    got.push([ev.containerId, ev.containerEventType, ev.createdAt]);
    if (got.length === 3) break;
  }
  t.deepEqual(got, [
    ['a', 'CONTAINER_STARTED_EVENT', '1700000000123456780'],
    ['b', 'CONTAINER_STARTED_EVENT', '1700000000123456781'],
    ['c', 'CONTAINER_STARTED_EVENT', '1700000000123456782'],
  ]);
  await serverStopped;
  t.pass();
});

test('an aborted signal cancels a stream: the iterator throws kind cancelled', async (t) => {
  const { client } = await running(t, deps(), {
    runtime: {
      GetContainerEvents: async function* (_req, { signal }) {
        yield* events(['a']);
        await new Promise((r) => signal.addEventListener('abort', r));
      },
    },
    image: {},
  });
  const ac = new AbortController();
  const err = await rejection((async () => { for await (const _ of client.runtime.getContainerEvents({}, { signal: ac.signal })) ac.abort(); })());
  t.is(err.kind, 'cancelled');
});

test('closing the server ends open streams normally', async (t) => {
  const { client, server } = await running(t, deps(), {
    runtime: {
      GetContainerEvents: async function* (_req, { signal }) {
        yield* events(['a']);
        await new Promise((r) => signal.addEventListener('abort', r));
      },
    },
    image: {},
  });
  const seen: string[] = [];
  const done = (async () => { for await (const ev of client.runtime.getContainerEvents()) { seen.push(ev.containerId); void server.close(1000); } })();
  await done;
  t.deepEqual(seen, ['a']);
});

test('the socket is mode 0660; a stale socket is replaced, any other file refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'cri.sock');
  // A socket file nobody listens on, as a crashed runtime leaves it: a killed process
  // never unlinks its socket.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  t.true((await lstat(path)).isSocket());
  await writeFile(join(dir, 'placeholder'), '');

  const server = await serveCri(deps(), path);
  t.is((await stat(path)).mode & 0o777, 0o660);
  const client = criClient(`unix://${path}`);
  t.is((await client.runtime.version()).runtimeName, 'skiff');
  client.close();
  await server.close();
  await t.throwsAsync(stat(path), { code: 'ENOENT' });

  await t.throwsAsync(serveCri(deps(), join(dir, 'placeholder')), { message: /not a socket/ });
});

test('a client with nothing listening fails with UNAVAILABLE', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const client = criClient(join(dir, 'none.sock'));
  t.teardown(() => client.close());
  t.is((await rejection(client.runtime.version())).kind, 'unavailable');
});

const crictl = spawnSync('crictl', ['--version']).status === 0;
(crictl ? test : test.skip)(`crictl talks to the server${crictl ? '' : ' (SKIPPED: crictl is not installed; Debian 12 does not package it)'}`, async (t) => {
  const { server } = await running(t);
  const out = spawnSync('crictl', ['--runtime-endpoint', `unix://${server.socketPath}`, '--image-endpoint', `unix://${server.socketPath}`, 'version'], { encoding: 'utf8', timeout: 20_000 });
  t.is(out.status, 0, out.stderr);
  t.regex(out.stdout, /RuntimeName:\s+skiff/);
  t.regex(out.stdout, /RuntimeApiVersion:\s+v1/);
});
