import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { criClient, type CriClient } from '../../src/cri/client.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniq } from '../helpers/names.js';
import {
  buildCriImages, Cleanup, type CriFixture, inNetns, killPid, nodeNetns, podSubnet, pushCriImages, removeAllPods, removeDir,
  startNodeRegistry, waitForCri,
} from './fixtures.js';

export interface FixtureOptions {
  /** Reuse images already pushed to a registry in `nodeNetns` (bench): skips building. */
  shared?: { nodeNetns: string; registry: string; images: CriFixture['images'] };
}

/** What every runtime fixture starts from: a unique id and temp dir, a node netns with the
 *  registry and test images (or shared ones), a pod subnet. Cleanup undoes it all. */
export async function fixtureBase(tag: string, opts: FixtureOptions, cleanup: Cleanup) {
  const id = uniq(tag);
  const dir = await mkdtemp(join(tmpdir(), `skiff-${id}-`));
  cleanup.push(() => removeDir(dir));
  if (opts.shared) return { id, dir, node: opts.shared.nodeNetns, registry: opts.shared.registry, images: opts.shared.images, subnet: podSubnet() };
  const node = await nodeNetns(cleanup, 'n');
  const built = await buildCriImages(join(dir, 'images'));
  const registry = await startNodeRegistry(cleanup, node, join(dir, 'registry'));
  return { id, dir, node, registry, images: await pushCriImages(built, registry, node), subnet: podSubnet() };
}

/** A CRI runtime daemon run in the node netns: (re)started, stopped by PID. */
export interface Daemon {
  alive(): boolean;
  /** Starts it; resolves once the CRI socket answers Version. */
  launch(): Promise<void>;
  /** Sends signal and waits for the exit (SIGKILL by PID after 10 s). */
  halt(signal: NodeJS.Signals): Promise<void>;
}

export function daemonInNode(node: string, argv: string[], logFile: string, endpoint: string): Daemon {
  let child: ChildProcess | undefined;
  const alive = () => !!child && child.exitCode === null && child.signalCode === null;
  return {
    alive,
    async launch() {
      const log = await open(logFile, 'a');
      child = spawn('nsenter', [`--net=${node}`, ...argv], { stdio: ['ignore', log.fd, log.fd] });
      await log.close();
      await waitForCri(endpoint, alive);
    },
    async halt(signal) {
      const c = child;
      if (!c || !alive()) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const timer = setTimeout(() => c.pid && killPid(c.pid), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The fixture over a launched daemon: stop() removes every pod through the CRI (as a kubelet
 * draining the node would), then runs cleanup; restart() halts and relaunches it.
 */
export function daemonFixture(base: Omit<CriFixture, 'cri' | 'inNode' | 'stop' | 'restart'>, daemon: Daemon, cleanup: Cleanup): CriFixture {
  let cri: CriClient = criClient(base.endpoint);
  let stopped = false;
  const fixture: CriFixture = {
    ...base,
    cri,
    inNode: (cmd, timeoutMs) => inNetns(base.nodeNetns, cmd, timeoutMs),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (daemon.alive()) await removeAllPods(cri).catch((err) => console.error(`${base.name} fixture: removing pods: ${(err as Error).message}`));
      cri.close();
      await cleanup.run();
    },
    restart: async (kill9) => {
      await daemon.halt(kill9 ? 'SIGKILL' : 'SIGTERM');
      cri.close();
      await daemon.launch();
      cri = criClient(base.endpoint);
      fixture.cri = cri;
    },
  };
  return fixture;
}
