import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { builtinRunner } from '../../src/cni/builtins.js';
import { ExecRunner } from '../../src/cni/exec.js';
import { CniInvoker } from '../../src/cni/invoker/invoker.js';
import type { NetConfList } from '../../src/cni/types.js';
import type { CriDeps } from '../../src/cri/deps.js';
import { sha256 } from '../../src/cri/images/content.js';
import { chainIds, type ImageRecord } from '../../src/cri/images/records.js';
import { ImageStore } from '../../src/cri/images/store.js';
import type { Phase } from '../../src/cri/state/records.js';
import { RuntimeState } from '../../src/cri/state/runtime-state.js';
import type { RecordStore } from '../../src/cri/state/store.js';
import type { StreamingServer } from '../../src/cri/streaming/server.js';
import { FakeCgroups } from '../../src/host/cgroups/fake.js';
import { systemClock, type Clock } from '../../src/host/clock.js';
import { RealFiles } from '../../src/host/files/real.js';
import { FakeFsMeta } from '../../src/host/image-fs/fake.js';
import { fakeHost } from '../../src/host/index.js';
import { FakeOciRuntime, type FakeOciOptions } from '../../src/host/oci/fake.js';

/** An image record the fake store holds without a registry: busybox-like, two layers. */
export const BUSYBOX: ImageRecord = (() => {
  const diffIds = [sha256('layer base'), sha256('layer bb')];
  return {
    id: sha256('config busybox'), repoTags: ['docker.io/library/busybox:latest'], repoDigests: [`docker.io/library/busybox@${sha256('index')}`],
    size: 100, config: { config: { Cmd: ['sh'], Env: ['PATH=/bin'] } }, manifestDigest: sha256('manifest'), layers: [], diffIds, chainIds: chainIds(diffIds), username: '', pinned: false,
  } as ImageRecord;
})();

export interface FakeRuntime {
  deps: CriDeps;
  root: string;
  oci: FakeOciRuntime;
  cgroups: FakeCgroups;
  host: ReturnType<typeof fakeHost>;
  /** The same machine after `skiff cri` restarted: records reloaded, the same runc/conmon and kernel. */
  restart(): Promise<CriDeps>;
}

/**
 * The CRI runtime's deps over fakes (kernel, runc/conmon, cgroups, image layers), with real
 * record stores and skiff's own CNI plugins in-process, under a temp dir removed after the test.
 * Timestamps come from clock (a FakeClock makes them exact).
 */
export async function fakeRuntime(t: ExecutionContext, ociOpts: FakeOciOptions = {}, clock: Clock = systemClock): Promise<FakeRuntime> {
  const root = await mkdtemp(join(tmpdir(), 'skiff-crid-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const images = join(root, 'images');
  await mkdir(join(images, 'layers'), { recursive: true });
  for (const d of BUSYBOX.diffIds) await mkdir(join(images, 'layers', d.slice(7)), { recursive: true });
  await writeFile(join(images, 'images.json'), JSON.stringify({ images: [BUSYBOX] }));
  const host = fakeHost();
  const oci = new FakeOciRuntime({ clock, ...ociOpts });
  const cgroups = new FakeCgroups();
  const runner = builtinRunner({ ...host, fallback: new ExecRunner() });
  const list: NetConfList = {
    cniVersion: '1.1.0', name: 'pods',
    plugins: [{ cniVersion: '1.1.0', name: 'pods', type: 'skiff-bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'skiff-host-local', ranges: [[{ subnet: '10.244.9.0/24' }]], dataDir: join(root, 'ipam') } }],
  };
  const build = async (): Promise<CriDeps> => {
    const { state } = await RuntimeState.open(join(root, 'state'), clock);
    return {
      networkReady: async () => ({ ready: true }), cgroupDriver: 'cgroupfs', host, files: new RealFiles(), oci, cgroups,
      images: await ImageStore.open(images, { fs: new FakeFsMeta() }),
      network: async () => ({ list, invoker: new CniInvoker({ runner, paths: [join(root, 'bin')], cacheDir: join(root, 'cni') }) }),
      state,
      streaming: undefined as unknown as StreamingServer,
      dirs: { sandboxes: join(root, 'sandboxes'), containers: join(root, 'containers') },
      defaultCgroupParent: 'kubepods', hostLimits: { negativeOomScoreAdj: false }, log: () => undefined,
    };
  };
  return { deps: await build(), root, oci, cgroups, host, restart: build };
}

/**
 * Leaves the record as a crash during its create RPC would have: phase 'creating'. No
 * transition moves back there, so the fixture writes the phase itself.
 */
export async function interruptedWhileCreating<T extends { id: string; readonly phase: Phase }>(store: RecordStore<T>, id: string): Promise<void> {
  await store.update(id, (r) => void ((r as { phase: Phase }).phase = 'creating'));
}
