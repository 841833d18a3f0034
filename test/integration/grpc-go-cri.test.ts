import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import test from 'ava';
import type { CriFixture } from '../cri/fixtures.js';
import { createContainer, runPod, sleeper } from '../cri/suite.js';
import { isRoot } from '../helpers/names.js';
import { rootOnly } from '../helpers/root.js';
import { startSkiffCri } from '../helpers/skiff-cri.js';

// A real grpc-go client (test/grpc-go/cri-client.go, built here from Debian's Go packages)
// dialling `skiff cri` by socket path, as crictl, critest and kubelets before 1.30 do, so
// every request carries the path as :authority.

const run = promisify(execFile);
const SOURCE = new URL('../grpc-go/cri-client.go', import.meta.url).pathname;
const rt = rootOnly(test);

let fixture: CriFixture | undefined;
let client: string | undefined;
let buildDir: string | undefined;

/** GOPATH mode against /usr/share/gocode: no module download (CI has no internet). */
async function buildClient(): Promise<string> {
  buildDir = await mkdtemp(join(tmpdir(), 'skiff-grpcgo-'));
  const out = join(buildDir, 'cri-client');
  const env = { ...process.env, GO111MODULE: 'off', GOFLAGS: '', GOPATH: `${join(buildDir, 'gopath')}:/usr/share/gocode`, GOCACHE: join(buildDir, 'cache') };
  try {
    await run('go', ['build', '-o', out, SOURCE], { env, timeout: 300_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('go is not installed: scripts/setup.sh installs golang-go, golang-google-grpc-dev and golang-google-protobuf-dev');
    throw new Error(`building ${SOURCE} failed: ${e.stderr ?? e.message}`);
  }
  return out;
}

const socketOf = (fx: CriFixture) => fx.endpoint.replace(/^unix:\/\//, '');

if (isRoot) {
  test.before(async () => {
    [client, fixture] = await Promise.all([buildClient(), startSkiffCri()]);
  });
  test.after.always(async () => {
    await fixture?.stop();
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });
}

async function goClient(...args: string[]): Promise<string> {
  const { stdout } = await run(client!, ['-socket', socketOf(fixture!), '-timeout', '60s', ...args]).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`cri-client ${args.join(' ')}: ${err.stderr || err.message}`);
  });
  return stdout.trim();
}

rt('grpc-go dialled by socket path: Version', async (t) => {
  t.is(await goClient('version'), `version=0.1.0 runtimeName=skiff runtimeVersion=0.1.0 runtimeApiVersion=v1`);
});

rt('grpc-go dialled by socket path: a unary request of 6 MiB', async (t) => {
  t.is(await goClient('-bytes', String(6 << 20), 'big'), `sent=${6 << 20} runtimeName=skiff versionLength=5`);
});

rt('grpc-go dialled by socket path: GetContainerEvents streams a container\'s event, then the client cancels', async (t) => {
  const fx = fixture!;
  const child = spawn(client!, ['-socket', socketOf(fx), '-timeout', '60s', '-n', '1', 'events'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string | undefined;
  t.is(await next(), 'stream=open', stderr);

  const pod = await runPod(t, fx);
  const id = await createContainer(t, fx, pod, sleeper(fx));
  // CONTAINER_CREATED_EVENT is enum value 0
  t.is(await next(), `event containerId=${id} type=0`, stderr);
  t.is(await next(), 'stream=cancelled code=Canceled', stderr);
  t.is(await exited, 0, stderr);
});
