// Debian's containerd 1.6 as the runtime of a `skiff up` node (test/helpers/node-netns.ts): it
// runs in the node's netns, reads the CNI conflist `skiff up` writes once the Node has its
// podCIDR and execs skiff's own plugins (dist/cni) for it, pulls registry.k8s.io through a
// mirror on the node's local registry, and keeps its root, state, runc root and netns pins in a
// temp dir of its own — outside the node's data dir, so the node's leftovers() never mistakes
// the still-running runtime for something skiff left. Pod cgroups are relative (the kubelet's
// --cgroup-root), so runc nests them under containerd's cgroup, which is the test's own.
// Cleanup: containerd by PID, its shims, the pods' cgroups, its mounts, then its dir.
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonInNode } from '../cri/daemon.js';
import { buildCriImages, type CriImages, pidsMatching, pushCriImages, removeDir, startNodeRegistry, sweepCgroups, sweepMounts, sweepShims, type Cleanup } from '../cri/fixtures.js';
import type { NodeNs } from './node-netns.js';

const SKIFF_CNI = new URL('../../dist/cni', import.meta.url).pathname;
/** containerd chains the reference loopback plugin before any conflist by itself (skiff's runtime does that in-process). */
const REFERENCE_LOOPBACK = '/usr/lib/cni/loopback';
/** The registry the pods name; the mirror answers for it. */
export const MIRRORED = 'registry.k8s.io';

export interface NodeContainerd {
  /** unix://<socket>, for --container-runtime-endpoint. */
  readonly endpoint: string;
  readonly dir: string;
  /** The test images in the node's local registry (under its own name). */
  readonly images: CriImages;
  /** busybox as a pod names it: registry.k8s.io/..., pulled through the mirror. */
  readonly busybox: string;
  /** containerd's own log, for a failing test to show. */
  readonly logFile: string;
  /** SIGTERM by PID, then its shims, the pods' cgroups and its mounts; idempotent (cleanup calls it again). */
  stop(): Promise<void>;
  /** What a stopped containerd left: its daemon or shims still running, mounts under its dir. */
  leftovers(): Promise<string[]>;
}

/**
 * Builds and serves the test images (pause included) in the node, then starts containerd;
 * resolves once it answers Version. Everything it made is taken back by cleanup, even when it
 * rejects. The CNI conf dir is the one `skiff up` writes into (<data-dir>/agent/etc/cni/net.d).
 */
export async function startNodeContainerd(node: NodeNs, cleanup: Cleanup): Promise<NodeContainerd> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-up-ctd-'));
  cleanup.push(() => removeDir(dir));
  const registry = await startNodeRegistry(cleanup, node.netns, join(dir, 'registry'));
  const images = await pushCriImages(await buildCriImages(join(dir, 'images')), registry, node.netns);
  const address = join(dir, 'containerd.sock');
  const hosts = (server: string) => `server = "${server}"\n[host."http://${registry}"]\n  capabilities = ["pull", "resolve"]\n`;
  await Promise.all([`certs.d/${registry}`, `certs.d/${MIRRORED}`].map((d) => mkdir(join(dir, d), { recursive: true })));
  await writeFile(join(dir, `certs.d/${registry}/hosts.toml`), hosts(`http://${registry}`));
  await writeFile(join(dir, `certs.d/${MIRRORED}/hosts.toml`), hosts(`https://${MIRRORED}`));
  const cniConfDir = join(node.dataDir, 'agent', 'etc', 'cni', 'net.d');
  const cniBinDir = await pluginDir(join(dir, 'cni-bin'));
  await writeFile(join(dir, 'config.toml'), config(dir, address, images.pause, cniConfDir, cniBinDir));

  const endpoint = `unix://${address}`;
  const logFile = join(dir, 'containerd.log');
  const daemon = daemonInNode(node.netns, ['containerd', '--config', join(dir, 'config.toml')], logFile, endpoint);
  // The daemon first, then its shims, then what is left in the pods' cgroups, then mounts.
  const stop = async () => {
    await daemon.halt('SIGTERM');
    await sweepShims(address);
    await sweepCgroups(node.cgroupRoot);
    await sweepMounts(dir);
  };
  cleanup.push(stop);
  await daemon.launch();
  const busybox = `${MIRRORED}/${images.busybox.split('/').slice(1).join('/')}`;
  const leftovers = async () => {
    // The shims' argv names the socket, the daemon's its config; the registry (also under dir) is the test's.
    const procs = [...await pidsMatching(address), ...await pidsMatching(join(dir, 'config.toml'))].map(({ pid, argv }) => `process ${pid} ${argv.join(' ')}`);
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${dir}/`)).map((m) => `mount ${m}`);
    return [...procs, ...mounts];
  };
  return { endpoint, dir, images, busybox, logFile, stop, leftovers };
}

/**
 * containerd 1.6 takes one bin_dir, and needs `loopback` as well as skiff's plugins in it: a dir of
 * symlinks. The skiff shims find their bundles from /proc/self/exe, which a symlink resolves.
 */
async function pluginDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const skiffs = (await readdir(SKIFF_CNI)).filter((n) => n.startsWith('skiff-'));
  if (!skiffs.length) throw new Error(`no skiff CNI plugins in ${SKIFF_CNI}: run node scripts/build.mjs`);
  await Promise.all(skiffs.map((n) => symlink(join(SKIFF_CNI, n), join(dir, n))));
  await symlink(REFERENCE_LOOPBACK, join(dir, 'loopback'));
  return dir;
}

function config(dir: string, address: string, pause: string, cniConfDir: string, cniBinDir: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${address}"
[ttrpc]
  address = "${address}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"

[${cri}]
  sandbox_image = "${pause}"
  # The kubelet reaches the streaming server from inside the same node netns.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # No CAP_SYS_RESOURCE here: the pause container's default -998 would make runc fail.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${dir}/runc"
  [${cri}.cni]
    bin_dir = "${cniBinDir}"
    conf_dir = "${cniConfDir}"
    max_conf_num = 1
  [${cri}.registry]
    config_path = "${dir}/certs.d"
`;
}
