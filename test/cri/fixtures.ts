import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { criClient, type CriClient } from '../../src/cri/client.js';
import { pauseBinary } from '../../src/cri/sandbox/pid-holder.js';
import { realHost } from '../../src/host/index.js';
import { buildTestImages, insertFile, type TestImages } from '../helpers/images.js';
import { uniq } from '../helpers/names.js';
import { spawnRegistry } from '../helpers/registry.js';

// What every CRI runtime under test is given, and the machinery both fixtures share: a
// private node netns (the runtime, its CNI and the registry all live there), a registry
// inside it holding the test images, and the sweeps that take back whatever a killed
// runtime leaves behind (processes, mounts, cgroups).

const run = promisify(execFile);
const host = realHost();

export interface CriImages {
  /** busybox, OCI manifest, cmd sh. */
  busybox: string;
  /** The same image pushed with a docker v2 schema 2 manifest; only the image cases pull it (they remove it too). */
  busyboxDocker: string;
  /** busybox again (OCI) under a repository only the image cases use, so removing it races with nothing. */
  removable: string;
  /** Runs as uid 1000: `httpd -f -p 8080 -h /www`. */
  httpd: string;
  /** The sandbox image for runtimes that need one: `sleep 2147483647`. */
  pause: string;
  /** busybox with a label of its own, copied into private registries by the credential cases (they remove it by id). */
  private: string;
  /** busybox plus /etc/inserted in a layer from umoci 0.4.7 insert (no padding, no end blocks). */
  inserted: string;
  /** A reference the registry does not hold. */
  missing: string;
}

export interface CriFixture {
  name: 'containerd' | 'skiff';
  /** unix:///… socket of the runtime. */
  endpoint: string;
  /** A client on endpoint, closed by stop(). */
  cri: CriClient;
  /** '127.0.0.1:PORT', reachable from the node netns only. */
  registry: string;
  images: CriImages;
  /** Pin of the netns the runtime runs in; pod IPs are reachable from here. */
  nodeNetns: string;
  /** The pod network's subnet, e.g. '10.244.123.0/24'. */
  podSubnet: string;
  /** RELATIVE cgroup under which every pod of this fixture goes (each pod adds its own level). */
  cgroupParent: string;
  /** A directory for pod log directories. */
  logDir: string;
  /** Runs `cmd` inside the node netns (no shell). */
  inNode(cmd: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Kills the runtime and takes back everything it made. Never rejects on cleanup trouble. */
  stop(): Promise<void>;
  /** Restarts the runtime on the same state: SIGTERM, or SIGKILL when kill9. Replaces `cri` with a new client. */
  restart?(kill9: boolean): Promise<void>;
}

/** LIFO stack of cleanups; `context()` stands in for an ava context where helpers want t.teardown. */
export class Cleanup {
  private readonly fns: Array<() => unknown> = [];
  push(fn: () => unknown): void {
    this.fns.push(fn);
  }
  context(): ExecutionContext {
    return { teardown: (fn: () => unknown) => this.push(fn) } as unknown as ExecutionContext;
  }
  /** Runs every cleanup, newest first; one failing does not stop the others. */
  async run(): Promise<void> {
    while (this.fns.length) {
      try {
        await this.fns.pop()!();
      } catch (err) {
        console.error('cleanup:', err);
      }
    }
  }
}

/** A fresh node netns with loopback up, pinned under /run/netns. */
export async function nodeNetns(cleanup: Cleanup, tag: string): Promise<string> {
  const path = `/run/netns/${uniq(tag)}`;
  await host.netns.create({ net: path });
  cleanup.push(() => host.netns.remove(path));
  await run('nsenter', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
  return path;
}

/** Runs a command inside a netns; resolves with its output and exit code, never rejects on exit codes. */
export function inNetns(netns: string, cmd: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('nsenter', [`--net=${netns}`, ...cmd], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** docker-registry inside the netns on 127.0.0.1 (a port the kernel picks), killed by PID at cleanup. */
export async function startNodeRegistry(cleanup: Cleanup, netns: string, dir: string): Promise<string> {
  const { child, host } = await spawnRegistry(dir, ['nsenter', `--net=${netns}`]);
  cleanup.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return host;
}

/** The test images plus a pause image (busybox with skiff-pause as /pause, its entrypoint) and two busybox copies for the image cases. */
export async function buildCriImages(dir: string): Promise<TestImages> {
  const images = await buildTestImages(dir);
  const retag = (tag: string, ...args: string[]) => run('umoci', ['config', '--image', `${images.layout}:busybox`, '--tag', tag, ...args]);
  // A real pause (reaps orphans as PID 1), so containerd's shared pid namespace behaves like skiff's.
  await retag('pause', '--config.entrypoint', '/pause', '--clear', 'config.cmd', '--config.user', '65535:65535');
  await run('umoci', ['insert', '--image', `${images.layout}:pause`, pauseBinary(), '/pause']);
  // busybox with a config of their own (a label), so removing them by id removes nothing else.
  await retag('removable', '--config.label', 'skiff.test/copy=removable');
  await retag('docker', '--config.label', 'skiff.test/copy=docker');
  await retag('private', '--config.label', 'skiff.test/copy=private');
  // A top layer that ends right after its data, as umoci 0.4.7 insert writes it.
  await insertFile(images, 'busybox', 'inserted', '/etc/inserted', 'inserted by umoci\n');
  return { ...images, tags: [...images.tags, 'pause', 'removable', 'docker', 'private', 'inserted'] };
}

/** Pushes the images to a registry inside netns (skopeo runs there: the registry is on its loopback). */
export async function pushCriImages(images: TestImages, registry: string, netns: string): Promise<CriImages> {
  const copy = async (tag: string, repo: string, format: 'oci' | 'v2s2') => {
    const ref = `${registry}/${repo}:${tag}`;
    await run('nsenter', [`--net=${netns}`, 'skopeo', 'copy', '--quiet', '--dest-tls-verify=false', '--format', format, `oci:${images.layout}:${tag}`, `docker://${ref}`]);
    return ref;
  };
  const [busybox, busyboxDocker, removable, httpd, pause, inserted, priv] = await Promise.all([
    copy('busybox', 'skiff-test/busybox', 'oci'),
    copy('docker', 'skiff-test/busybox-docker', 'v2s2'),
    copy('removable', 'skiff-test/removable', 'oci'),
    copy('httpd', 'skiff-test/httpd', 'oci'),
    copy('pause', 'skiff-test/pause', 'oci'),
    copy('inserted', 'skiff-test/inserted', 'oci'),
    copy('private', 'skiff-test/private', 'oci'),
  ]);
  return { busybox, busyboxDocker, removable, httpd, pause, inserted, private: priv, missing: `${registry}/skiff-test/missing:nope` };
}

/** Waits until a CRI server answers Version on the socket. */
export async function waitForCri(endpoint: string, alive: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (!alive()) throw new Error(`runtime for ${endpoint} exited before serving`);
    const c = criClient(endpoint, { timeoutMs: 1000 });
    try {
      await c.runtime.version({});
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A unique /24 inside 10.244.0.0/16; only ever used inside the fixture's own node netns. */
export function podSubnet(): string {
  return `10.244.${100 + Math.floor(Math.random() * 150)}.0/24`;
}

// --- sweeps: what a killed runtime leaves behind ---------------------------------------

/** PIDs whose command line contains `needle`. */
export async function pidsMatching(needle: string): Promise<Array<{ pid: number; argv: string[] }>> {
  const out: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter(Boolean);
      if (argv.some((a) => a.includes(needle))) out.push({ pid: Number(entry), argv });
    } catch {}
  }
  return out;
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

/** Kills every containerd shim of this containerd (by its address in the shim's argv) and removes its socket under /run/containerd/s. */
export async function sweepShims(address: string): Promise<void> {
  for (const { pid, argv } of await pidsMatching(address)) {
    if (!argv[0]?.endsWith('containerd-shim-runc-v2')) continue;
    const arg = (name: string) => argv[argv.indexOf(name) + 1] ?? '';
    killPid(pid);
    // containerd 1.6 derives the shim socket from (address, namespace, id) under a fixed root.
    const hash = createHash('sha256').update(join(address, arg('-namespace'), arg('-id'))).digest('hex');
    await unlink(`/run/containerd/s/${hash}`).catch(() => {});
  }
}

/** Unmounts (lazily, deepest first) every mount point under dir. */
export async function sweepMounts(dir: string): Promise<void> {
  const points = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => {});
}

/** Every mounted cgroup hierarchy joined with the cgroup this process is in there. */
export async function ownCgroupDirs(): Promise<string[]> {
  const own = new Map<string, string>();
  for (const line of (await readFile('/proc/self/cgroup', 'utf8')).split('\n').filter(Boolean)) {
    const [, ctrls, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (ctrls !== undefined) own.set(ctrls, path!);
  }
  const dirs: string[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter(Boolean)) {
    const [pre, post] = line.split(' - ');
    const fields = pre!.split(' ');
    const [fstype, , superOpts] = post!.split(' ');
    const root = fields[3]!;
    const point = fields[4]!;
    if (fstype === 'cgroup2') {
      if (own.has('')) dirs.push(join(point, relativeTo(own.get('')!, root)));
    } else if (fstype === 'cgroup') {
      const opts = superOpts!.split(',');
      const key = [...own.keys()].find((k) => k && k.split(',').every((c) => opts.includes(c)));
      if (key !== undefined) dirs.push(join(point, relativeTo(own.get(key)!, root)));
    }
  }
  return [...new Set(dirs)];
}

function relativeTo(path: string, root: string): string {
  return root === '/' ? path : path.startsWith(root) ? path.slice(root.length) : path;
}

/** Kills the processes in, then removes, the cgroup `relative` under our own cgroup in every hierarchy, leaf-first. */
export async function sweepCgroups(relative: string): Promise<void> {
  if (!relative || relative.startsWith('/') || relative.includes('..')) throw new Error(`refusing to sweep cgroup ${relative}`);
  for (const base of await ownCgroupDirs()) await removeTree(join(base, relative));
}

async function removeTree(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) return;
  } catch {
    return;
  }
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await removeTree(join(dir, e.name));
  for (let i = 0; i < 50; i++) {
    const procs = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    for (const p of procs) killPid(Number(p));
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rmdir(dir).catch((err) => console.error(`cgroup ${dir} stays: ${(err as Error).message}`));
}

/** Stops and removes every pod (and so every container) the runtime still has, as the kubelet would. */
export async function removeAllPods(cri: CriClient): Promise<void> {
  const { items } = await cri.runtime.listPodSandbox({});
  await Promise.all(items.map(async (p) => {
    await cri.runtime.stopPodSandbox({ podSandboxId: p.id }).catch(() => {});
    await cri.runtime.removePodSandbox({ podSandboxId: p.id }).catch(() => {});
  }));
}

/** rm -rf, after making sure nothing under it is still mounted. */
export async function removeDir(dir: string): Promise<void> {
  await sweepMounts(dir);
  await rm(dir, { recursive: true, force: true });
}
