// A private "node" for whole-node tests (MACHINE.md, rules for tests): a pinned network
// namespace with lo up and an uplink — a veth pair inside it, since this kernel has no dummy
// module — carrying an address and the default route, so InternalIP detection finds it;
// ip_forward set inside it only. `skiff up` (dist/cli/skiff.js) and the stock kubectl run in it
// through `nsenter --net=`, which keeps the cgroup mounts visible (`ip netns exec` would hide
// them); pods go under a relative --cgroup-root below this test's own cgroup. Teardown stops
// skiff by PID, takes back what a failed test left (processes, cgroups, mounts) and removes the
// netns, whose bridge, veths and nft tables go with it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanup, inNetns, killPid, nodeNetns, ownCgroupDirs, pidsMatching, removeDir, startNodeRegistry, sweepCgroups, sweepMounts } from '../cri/fixtures.js';
import { buildTestImages } from './images.js';
import { uniq } from './names.js';

const SKIFF = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
/** The uplink's network: private to each netns, so parallel tests may all use it. */
const UPLINK = { address: '10.201.0.2', prefix: 24, gateway: '10.201.0.1' };

export interface Run { code: number; stdout: string; stderr: string }

export interface RunningUp {
  readonly proc: ChildProcess;
  /** Everything it printed so far, stdout and stderr apart. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the stream so far (stderr by default) once re matches it; rejects when skiff exits first. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves with the exit code once it has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM (or signal) by PID, then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface NodeNs {
  /** /run/netns/<name>. */
  readonly netns: string;
  /** The node's InternalIP (the uplink's address). */
  readonly address: string;
  /** A fresh --data-dir under /tmp/skiff-*. */
  readonly dataDir: string;
  /** A relative --cgroup-root, unique to this node. */
  readonly cgroupRoot: string;
  readonly adminKubeconfig: string;
  /** Runs cmd in the netns (no shell); never rejects on exit codes. */
  exec(cmd: string[], timeoutMs?: number): Promise<Run>;
  /** The stock kubectl in the netns with admin.kubeconfig. */
  kubectl(args: string[], stdin?: string): Promise<Run>;
  /** `skiff up` in the netns with this node's data dir, cgroup root and address, plus extra flags. */
  up(extra?: string[]): RunningUp;
  /** Any skiff command line in the netns (`server ...`, `agent ...`), stopped at cleanup. */
  skiff(args: string[]): RunningUp;
  /** Builds the test images and serves them from a registry on the netns' loopback; resolves with busybox's reference. */
  busybox(): Promise<string>;
  /** What a stopped skiff left: mounts under the data dir, cgroups below the cgroup root, processes naming the data dir. */
  leftovers(): Promise<string[]>;
}

/** Creates the node; everything is taken back by cleanup.run() (or the ava teardown that runs it). */
export async function createNodeNetns(cleanup: Cleanup): Promise<NodeNs> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-up-'));
  const cgroupRoot = uniq('-pods');
  // Pushed first so it runs last: nothing may be left in the dir when it goes.
  cleanup.push(() => removeDir(dataDir));
  cleanup.push(async () => {
    for (const { pid } of await pidsMatching(dataDir)) killPid(pid);
    await sweepCgroups(cgroupRoot);
    await sweepMounts(dataDir);
  });
  const netns = await nodeNetns(cleanup, 'u');
  const exec = (cmd: string[], timeoutMs?: number) => inNetns(netns, cmd, timeoutMs);
  const must = async (cmd: string[]) => {
    const r = await exec(cmd);
    if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
  };
  await must(['ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink0p']);
  await must(['ip', 'link', 'set', 'uplink0p', 'up']);
  await must(['ip', 'link', 'set', 'uplink0', 'up']);
  await must(['ip', 'addr', 'add', `${UPLINK.address}/${UPLINK.prefix}`, 'dev', 'uplink0']);
  await must(['ip', 'route', 'add', 'default', 'via', UPLINK.gateway, 'dev', 'uplink0']);
  await must(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const adminKubeconfig = join(dataDir, 'admin.kubeconfig');
  let registry: Promise<string> | undefined;
  const node: NodeNs = {
    netns, address: UPLINK.address, dataDir, cgroupRoot, adminKubeconfig, exec,
    kubectl: (args, stdin) => kubectlIn(netns, adminKubeconfig, args, stdin),
    skiff: (args) => {
      const running = startUp(netns, args);
      cleanup.push(() => running.stop('SIGKILL'));
      cleanup.push(() => running.stop());
      return running;
    },
    up: (extra = []) => node.skiff(['up', '--data-dir', dataDir, '--listen', `${UPLINK.address}:6443`, '--cgroup-root', cgroupRoot, ...extra]),
    busybox: () => (registry ??= (async () => {
      // Outside the data dir: the registry's argv names its dir, and leftovers() looks for the data dir in argvs.
      const imageDir = await mkdtemp(join(tmpdir(), 'skiff-up-images-'));
      cleanup.push(() => removeDir(imageDir));
      const images = await buildTestImages(join(imageDir, 'images'));
      const host = await startNodeRegistry(cleanup, netns, join(imageDir, 'registry'));
      return pushIn(netns, images.layout, host);
    })()),
    leftovers: () => leftovers(dataDir, cgroupRoot),
  };
  return node;
}

function kubectlIn(netns: string, kubeconfig: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('nsenter', [`--net=${netns}`, 'kubectl', '--kubeconfig', kubeconfig, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** skopeo runs in the netns: the registry is on its loopback. */
async function pushIn(netns: string, layout: string, registry: string): Promise<string> {
  const ref = `${registry}/skiff-test/busybox:up`;
  const r = await inNetns(netns, ['skopeo', 'copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:busybox`, `docker://${ref}`], 120_000);
  if (r.code !== 0) throw new Error(`skopeo copy: ${r.stderr}`);
  return ref;
}

function startUp(netns: string, args: string[]): RunningUp {
  const proc = spawn('nsenter', [`--net=${netns}`, process.execPath, SKIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); wake(); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); wake(); });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => { wake(); resolve(code); }));
  return {
    proc, exited, stdout: () => out, stderr: () => err,
    async waitFor(re, stream = 'stderr') {
      const text = () => (stream === 'stdout' ? out : err);
      while (!re.test(text())) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`skiff up exited (${proc.exitCode ?? proc.signalCode}) before ${re}:\n${err}`);
        await new Promise<void>((res) => waiters.push(res));
      }
      return text();
    },
    async stop(signal = 'SIGTERM') {
      // nsenter execs node in place: the PID is skiff's own.
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) killPid(proc.pid, signal);
      return exited;
    },
  };
}

async function leftovers(dataDir: string, cgroupRoot: string): Promise<string[]> {
  const found: string[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const point = line.split(' ')[4];
    if (point && (point === dataDir || point.startsWith(`${dataDir}/`))) found.push(`mount ${point}`);
  }
  for (const base of await ownCgroupDirs()) {
    const root = join(base, cgroupRoot);
    const below = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const e of below) if (e.isDirectory()) found.push(`cgroup ${join(root, e.name)}`);
  }
  for (const { pid, argv } of await pidsMatching(dataDir)) found.push(`process ${pid} ${argv.join(' ')}`);
  return found;
}

/** Polls `kubectl <args> -o json` in the node (0.5 s apart) until done holds; the test's timeout is the limit. */
export async function kubectlUntil<T>(node: NodeNs, args: string[], done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const r = await node.kubectl([...args, '-o', 'json']);
    if (r.code === 0) {
      const v = JSON.parse(r.stdout) as T;
      if (done(v)) return v;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}

export { Cleanup };
