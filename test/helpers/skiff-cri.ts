import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { daemonFixture, daemonInNode, fixtureBase, type FixtureOptions } from '../cri/daemon.js';
import { Cleanup, type CriFixture, killPid, pidsMatching, sweepCgroups, sweepMounts } from '../cri/fixtures.js';

// `skiff cri` (the bundled dist/cli/skiff.js) as a CRI fixture, set up like the containerd
// one: a private node netns holding the runtime, its CNI (skiff's own plugins) and the
// registry; state, socket and CNI files in one temp dir; pods under a relative cgroup.

const SKIFF = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
const OUR_CNI = new URL('../../dist/cni', import.meta.url).pathname;

export type SkiffCriOptions = FixtureOptions & {
  /** A registries.yaml for `--registries` (with --disable-default-registry-endpoint, so no
   *  pull leaves the node netns), made from the fixture's registry host. */
  registries?: (registry: string) => string;
};

/** Starts `skiff cri`; resolves once it answers Version. Rejects (after cleaning up) if it does not start. */
export async function startSkiffCri(opts: SkiffCriOptions = {}): Promise<CriFixture> {
  const cleanup = new Cleanup();
  try {
    const { id, dir, node, registry, images, subnet } = await fixtureBase('sc', opts, cleanup);
    const socket = join(dir, 'cri.sock');
    const root = join(dir, 'root');
    const cgroupParent = id;
    await Promise.all(['cni', 'cni-ipam', 'logs'].map((d) => mkdir(join(dir, d), { recursive: true })));
    await writeFile(join(dir, 'cni', '10-pods.conflist'), JSON.stringify({
      cniVersion: '1.0.0',
      name: 'pods',
      plugins: [
        { type: 'skiff-bridge', bridge: `${id.slice(0, 8)}br`, isGateway: true, isDefaultGateway: true, hairpinMode: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet }]], dataDir: join(dir, 'cni-ipam') } },
        { type: 'skiff-portmap', capabilities: { portMappings: true } },
      ],
    }, null, 2));
    const args = [process.execPath, SKIFF, 'cri', '--socket', socket, '--root', root, '--cni-conf-dir', join(dir, 'cni'),
      '--cni-bin-dir', `${OUR_CNI}:/usr/lib/cni`, '--cgroup-parent', cgroupParent, '--streaming-address', '127.0.0.1:0'];
    if (opts.registries) {
      await writeFile(join(dir, 'registries.yaml'), opts.registries(registry));
      args.push('--registries', join(dir, 'registries.yaml'), '--disable-default-registry-endpoint');
    }
    const endpoint = `unix://${socket}`;
    const daemon = daemonInNode(node, args, join(dir, 'skiff-cri.log'), endpoint);
    // The daemon first, then monitors it started (conmon names our root in its argv), then
    // whatever is left in our cgroups, then mounts (netns pins, rootfs) before the dir goes.
    cleanup.push(async () => {
      await daemon.halt('SIGTERM');
      for (const { pid } of await pidsMatching(root)) killPid(pid);
      await sweepCgroups(cgroupParent);
      await sweepMounts(dir);
    });
    await daemon.launch();
    const fixture = daemonFixture({ name: 'skiff', endpoint, registry, images, nodeNetns: node, podSubnet: subnet, cgroupParent, logDir: join(dir, 'logs') }, daemon, cleanup);
    return fixture;
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}
