import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criClient } from '../../src/cri/client.js';
import {
  buildCriImages, Cleanup, type CriFixture, inNetns, killPid, nodeNetns, podSubnet, pushCriImages, removeAllPods, removeDir,
  startNodeRegistry, sweepCgroups, sweepMounts, sweepShims, waitForCri,
} from '../cri/fixtures.js';
import { uniq } from './names.js';

// Debian's containerd 1.6 as a CRI fixture: everything it owns lives in one temp dir (root,
// state, runc root, netns pins, sockets), it runs inside a private node netns so the
// reference CNI plugins act there, and its pods' cgroups nest under a RELATIVE parent,
// which runc places under its own cgroup (inside ours) in every hierarchy.
// Two of these run side by side: nothing is shared but /run/containerd/s, whose socket
// names are hashes of our unique address.

export interface ContainerdOptions {
  /** Reuse images already pushed to a registry in `nodeNetns` (bench): skips building. */
  shared?: { nodeNetns: string; registry: string; images: CriFixture['images'] };
}

/** Starts containerd with the CRI plugin; resolves once it answers Version. Rejects (after cleaning up) if it does not start. */
export async function startContainerd(opts: ContainerdOptions = {}): Promise<CriFixture> {
  const cleanup = new Cleanup();
  const id = uniq('ctd');
  const dir = await mkdtemp(join(tmpdir(), `skiff-${id}-`));
  cleanup.push(() => removeDir(dir));
  try {
    let node: string, registry: string, images: CriFixture['images'];
    if (opts.shared) {
      ({ nodeNetns: node, registry, images } = opts.shared);
    } else {
      node = await nodeNetns(cleanup, 'n');
      const built = await buildCriImages(join(dir, 'images'));
      registry = await startNodeRegistry(cleanup, node, join(dir, 'registry'));
      images = await pushCriImages(built, registry, node);
    }
    const subnet = podSubnet();
    const bridge = `${id.slice(0, 8)}br`;
    const address = join(dir, 'containerd.sock');
    const cgroupParent = `${id}`;
    await Promise.all(['cni', 'cni-ipam', 'logs', `certs.d/${registry}`].map((d) => mkdir(join(dir, d), { recursive: true })));
    await writeFile(join(dir, 'cni', '10-pods.conflist'), JSON.stringify(conflist(bridge, subnet, join(dir, 'cni-ipam')), null, 2));
    await writeFile(join(dir, `certs.d/${registry}/hosts.toml`), `server = "http://${registry}"\n[host."http://${registry}"]\n  capabilities = ["pull", "resolve"]\n`);
    await writeFile(join(dir, 'config.toml'), config(dir, address, images.pause));

    let child: ChildProcess;
    const alive = () => child.exitCode === null && child.signalCode === null;
    const launch = async () => {
      const log = await open(join(dir, 'containerd.log'), 'a');
      child = spawn('nsenter', [`--net=${node}`, 'containerd', '--config', join(dir, 'config.toml')], { stdio: ['ignore', log.fd, log.fd] });
      await log.close();
      await waitForCri(`unix://${address}`, alive);
    };
    const halt = async (signal: NodeJS.Signals) => {
      if (!child || !alive()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      const timer = setTimeout(() => child.pid && killPid(child.pid), 10_000);
      await exited;
      clearTimeout(timer);
    };
    // Order matters on the way out: the daemon first, then its shims, then the processes
    // left in our cgroups, then mounts (before the temp dir goes).
    cleanup.push(async () => {
      await halt('SIGTERM');
      await sweepShims(address);
      await sweepCgroups(cgroupParent);
      await sweepMounts(dir);
    });
    await launch();
    let cri = criClient(`unix://${address}`);
    let stopped = false;
    const fixture: CriFixture = {
      name: 'containerd',
      endpoint: `unix://${address}`,
      cri,
      registry,
      images,
      nodeNetns: node,
      podSubnet: subnet,
      cgroupParent,
      logDir: join(dir, 'logs'),
      inNode: (cmd, timeoutMs) => inNetns(node, cmd, timeoutMs),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        // As a kubelet draining the node would: containerd then kills, unmounts and CNI-DELs itself.
        if (alive()) await removeAllPods(cri).catch((err) => console.error(`containerd fixture: removing pods: ${(err as Error).message}`));
        cri.close();
        await cleanup.run();
      },
      // Shims outlive containerd, so its pods and containers survive a restart.
      restart: async (kill9) => {
        await halt(kill9 ? 'SIGKILL' : 'SIGTERM');
        cri.close();
        await launch();
        cri = criClient(`unix://${address}`);
        fixture.cri = cri;
      },
    };
    return fixture;
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

/** The reference plugins: loopback is added by containerd itself; bridge + host-local + portmap. */
function conflist(bridge: string, subnet: string, dataDir: string): unknown {
  return {
    cniVersion: '1.0.0',
    name: 'pods',
    plugins: [
      { type: 'bridge', bridge, isGateway: true, isDefaultGateway: true, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

function config(dir: string, address: string, pause: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
# Snapshotters this machine has no use for, and tracing (nothing to export to).
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
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # No CAP_SYS_RESOURCE here: the pause container's default -998 would make runc fail.
  restrict_oom_score_adj = true
  # Pod netns pins under our state dir instead of the host's /run/netns.
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
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni"
    max_conf_num = 1
  [${cri}.registry]
    config_path = "${dir}/certs.d"
`;
}
