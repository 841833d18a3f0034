import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'ava';

// dist/cli/skiff.js is a contract: later tests and users call it by this path.
const cli = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('skiff --version prints the package version', (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = run('--version');
  t.is(r.status, 0);
  t.is(r.stdout.trim(), version);
});

test('skiff --help describes the binary', (t) => {
  const r = run('--help');
  t.is(r.status, 0);
  t.regex(r.stdout, /^Usage: skiff/m);
});

test('an unknown subcommand fails with a message and status 1', (t) => {
  const r = run('no-such-command');
  t.is(r.status, 1);
  t.regex(r.stderr, /error/);
});

test('skiff cri refuses bad pull limits: a concurrency below 1, a duration that is not one', async (t) => {
  const { durationMs } = await import('../../src/cli/cri.js');
  t.deepEqual(['5m', '1m30s', '500ms', '0', '2h', '1.5s'].map(durationMs), [300_000, 90_000, 500, 0, 7_200_000, 1500]);
  for (const [flag, value, why] of [['--max-concurrent-downloads', '0', /must be a positive integer/], ['--max-concurrent-downloads', '2.5', /must be a positive integer/], ['--image-pull-progress-timeout', '5x', /not a duration/], ['--image-pull-progress-timeout', '-1m', /not a duration/]] as const) {
    const r = run('cri', flag, value, '--socket', '/nonexistent/cri.sock');
    t.is(r.status, 1, `${flag} ${value}`);
    t.regex(r.stderr, why);
  }
  t.regex(run('cri', '--help').stdout, /--image-pull-progress-timeout <duration>.*\(default: 5m\)/s);
});

test('skiff cri refuses a bad --registries file at start, naming the field, and makes nothing on disk', async (t) => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(`${tmpdir()}/skiff-cli-registries-`);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cases: [string, RegExp][] = [
    ['mirrors:\n  registry.k8s.io:\n    endpoint: ["ftp://mirror"]\n', /mirrors\."registry\.k8s\.io"\.endpoint\[0\]: "ftp:\/\/mirror": only http:\/\/ and https:\/\/ endpoints/],
    ['configs:\n  "m:5000":\n    tls: { ca_file: ./absent-ca.crt }\n', /configs\."m:5000"\.tls\.ca_file: .*ENOENT/],
  ];
  for (const [yaml, why] of cases) {
    await writeFile(`${dir}/registries.yaml`, yaml);
    const r = run('cri', '--registries', `${dir}/registries.yaml`, '--root', `${dir}/root`, '--socket', `${dir}/cri.sock`);
    t.is(r.status, 1, yaml);
    t.regex(r.stderr, why);
    t.true(r.stderr.startsWith(`skiff cri: ${dir}/registries.yaml: `), 'one line naming the file, no stack');
    t.false(existsSync(`${dir}/root`), 'nothing was made before the config was read');
  }
  t.regex(run('cri', '--help').stdout, /--registries <file>.*--disable-default-registry-endpoint/s);
});

test('skiff cri serves CRI on its socket and stops on SIGTERM, removing it; its state dirs are private', async (t) => {
  const { chmod, mkdir, mkdtemp, rm, stat } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const { criClient } = await import('../../src/cri/client.js');
  const dir = await mkdtemp(`${tmpdir()}/skiff-cli-cri-`);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socket = `${dir}/cri.sock`;
  // A root an older skiff left world-readable is tightened at start.
  await mkdir(`${dir}/root/images/layers`, { recursive: true });
  for (const d of ['root', 'root/images', 'root/images/layers']) await chmod(`${dir}/${d}`, 0o755);
  await chmod(dir, 0o755);
  const child = spawn(process.execPath, [cli, 'cri', '--socket', socket, '--root', `${dir}/root`, '--cni-conf-dir', `${dir}/net.d`], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => d.toString().includes('serving on') && resolve());
    child.once('exit', (code) => reject(new Error(`skiff cri exited with ${code}`)));
  });
  const cri = criClient(`unix://${socket}`);
  t.like(await cri.runtime.version({ version: 'v1' }), { runtimeName: 'skiff', runtimeApiVersion: 'v1' });
  for (const d of ['root', 'root/images', 'root/images/layers', 'root/images/content', 'root/images/rootfs', 'root/containers', 'root/sandboxes', 'root/state']) {
    t.is((await stat(`${dir}/${d}`)).mode & 0o777, 0o700, d);
  }
  const status = await cri.runtime.status({ verbose: false });
  t.like(status.status?.conditions?.find((c) => c.type === 'NetworkReady'), { status: false, reason: 'NetworkPluginNotReady' });
  cri.close();
  const exit = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.is(await exit, 0);
  await t.throwsAsync(stat(socket));
});
