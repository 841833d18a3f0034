import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { daemonFixture, daemonInNode, fixtureBase, type FixtureOptions } from '../cri/daemon.js';
import { Cleanup, type CriFixture, sweepCgroups, sweepMounts, sweepShims } from '../cri/fixtures.js';

// Debian's containerd 1.6 as a CRI fixture: everything it owns lives in one temp dir (root,
// state, runc root, netns pins, sockets), it runs inside a private node netns so the
// reference CNI plugins act there, and its pods' cgroups nest under a RELATIVE parent,
// which runc places under its own cgroup (inside ours) in every hierarchy.
// Two of these run side by side: nothing is shared but /run/containerd/s, whose socket
// names are hashes of our unique address.

export type ContainerdOptions = FixtureOptions;

/** Starts containerd with the CRI plugin; resolves once it answers Version. Rejects (after cleaning up) if it does not start. */
export async function startContainerd(opts: ContainerdOptions = {}): Promise<CriFixture> {
  const cleanup = new Cleanup();
  try {
    const { id, dir, node, registry, images, subnet } = await fixtureBase('ctd', opts, cleanup);
    const bridge = `${id.slice(0, 8)}br`;
    const address = join(dir, 'containerd.sock');
    const cgroupParent = `${id}`;
    await Promise.all(['cni', 'cni-ipam', 'logs', `certs.d/${registry}`].map((d) => mkdir(join(dir, d), { recursive: true })));
    await writeFile(join(dir, 'cni', '10-pods.conflist'), JSON.stringify(conflist(bridge, subnet, join(dir, 'cni-ipam')), null, 2));
    await writeFile(join(dir, `certs.d/${registry}/hosts.toml`), `server = "http://${registry}"\n[host."http://${registry}"]\n  capabilities = ["pull", "resolve"]\n`);
    await writeFile(join(dir, 'config.toml'), config(dir, address, images.pause));

    const endpoint = `unix://${address}`;
    const daemon = daemonInNode(node, ['containerd', '--config', join(dir, 'config.toml')], join(dir, 'containerd.log'), endpoint);
    // Order matters on the way out: the daemon first, then its shims, then the processes
    // left in our cgroups, then mounts (before the temp dir goes).
    cleanup.push(async () => {
      await daemon.halt('SIGTERM');
      await sweepShims(address);
      await sweepCgroups(cgroupParent);
      await sweepMounts(dir);
    });
    await daemon.launch();
    // Shims outlive containerd, so its pods and containers survive a restart.
    const fixture = daemonFixture({ name: 'containerd', endpoint, registry, images, nodeNetns: node, podSubnet: subnet, cgroupParent, logDir: join(dir, 'logs') }, daemon, cleanup);
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
