import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criClient, type CriClient } from '../../src/cri/client.js';
import {
  buildCriImages, Cleanup, type CriFixture, inNetns, killPid, nodeNetns, pidsMatching, podSubnet, pushCriImages, removeAllPods, removeDir,
  startNodeRegistry, sweepCgroups, sweepMounts, waitForCri,
} from '../cri/fixtures.js';
import { uniq } from './names.js';

// `skiff cri` (the bundled dist/cli/skiff.js) as a CRI fixture, set up like the containerd
// one: a private node netns holding the runtime, its CNI (skiff's own plugins) and the
// registry; state, socket and CNI files in one temp dir; pods under a relative cgroup.

const SKIFF = new URL('../../dist/cli/skiff.js', import.meta.url).pathname;
const OUR_CNI = new URL('../../dist/cni', import.meta.url).pathname;

export interface SkiffCriOptions {
  /** Reuse images already pushed to a registry in `nodeNetns` (bench): skips building. */
  shared?: { nodeNetns: string; registry: string; images: CriFixture['images'] };
}

/** Starts `skiff cri`; resolves once it answers Version. Rejects (after cleaning up) if it does not start. */
export async function startSkiffCri(opts: SkiffCriOptions = {}): Promise<CriFixture> {
  const cleanup = new Cleanup();
  const id = uniq('sc');
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
    const args = [`--net=${node}`, process.execPath, SKIFF, 'cri', '--socket', socket, '--root', root, '--cni-conf-dir', join(dir, 'cni'),
      '--cni-bin-dir', `${OUR_CNI}:/usr/lib/cni`, '--cgroup-parent', cgroupParent, '--streaming-address', '127.0.0.1:0'];
    let child: ChildProcess;
    const alive = () => child.exitCode === null && child.signalCode === null;
    const launch = async () => {
      const log = await open(join(dir, 'skiff-cri.log'), 'a');
      child = spawn('nsenter', args, { stdio: ['ignore', log.fd, log.fd] });
      await log.close();
      await waitForCri(`unix://${socket}`, alive);
    };
    const halt = async (signal: NodeJS.Signals) => {
      if (!child || !alive()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      const timer = setTimeout(() => child.pid && killPid(child.pid), 10_000);
      await exited;
      clearTimeout(timer);
    };
    // The daemon first, then monitors it started (conmon names our root in its argv), then
    // whatever is left in our cgroups, then mounts (netns pins, rootfs) before the dir goes.
    cleanup.push(async () => {
      await halt('SIGTERM');
      for (const { pid } of await pidsMatching(root)) killPid(pid);
      await sweepCgroups(cgroupParent);
      await sweepMounts(dir);
    });
    await launch();
    let cri: CriClient = criClient(`unix://${socket}`);
    let stopped = false;
    const fixture: CriFixture = {
      name: 'skiff',
      endpoint: `unix://${socket}`,
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
        if (alive()) await removeAllPods(cri).catch((err) => console.error(`skiff fixture: removing pods: ${(err as Error).message}`));
        cri.close();
        await cleanup.run();
      },
      restart: async (kill9) => {
        await halt(kill9 ? 'SIGKILL' : 'SIGTERM');
        cri.close();
        await launch();
        cri = criClient(`unix://${socket}`);
        fixture.cri = cri;
      },
    };
    return fixture;
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}
