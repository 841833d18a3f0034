// The kubelet's volume manager: makes a pod's volumes before its containers start, keeps the
// API-data ones current each time it is asked again, and removes them (unmounting tmpfs) when
// the pod is gone. Upstream's volumemanager desired/actual-state reconciler collapses here into
// calls from the pod worker, which already serializes per pod.
import { join } from 'node:path';
import type { Pod } from '../../api/types.js';
import { isNotFound } from '../../host/errors.js';
import type { PodVolumes, VolumeManager, VolumeManagerDeps } from '../types.js';
import { VolumeError, VolumeSetUpError } from './errors.js';
import { podDir, podsDir, podVolumesDir } from './layout.js';
import { setUpVolume } from './plugins.js';
import { prepareContainerSubPaths, prepareSubPaths } from './subpaths.js';
import { TokenManager } from './tokens.js';

export { containerMounts } from './mounts.js';
export { MountError, VolumeError, VolumeSetUpError } from './errors.js';

export function startVolumeManager(deps: VolumeManagerDeps): VolumeManager {
  const tokens = new TokenManager(deps.client, deps.clock);
  const ctx = { ...deps, tokens };
  // Calls for one pod run one after another (a setUp racing a tearDown would leave a mount).
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(uid: string, fn: () => Promise<T>): Promise<T> => {
    const prev = queues.get(uid) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    queues.set(uid, tail);
    void tail.then(() => { if (queues.get(uid) === tail) queues.delete(uid); });
    return run;
  };

  async function setUp(pod: Pod): Promise<PodVolumes> {
    const uid = pod.metadata.uid;
    if (!uid) throw new TypeError('the pod has no metadata.uid');
    // Private to root as upstream's makePodDataDirs: volume contents are only the pod's.
    await deps.files.mkdir(podDir(deps.rootDir, uid), { recursive: true, mode: 0o750 });
    await deps.files.mkdir(podVolumesDir(deps.rootDir, uid), { recursive: true, mode: 0o750 });
    const paths = new Map<string, string>();
    const failures: VolumeSetUpError[] = [];
    for (const vol of pod.spec?.volumes ?? []) {
      try {
        paths.set(vol.name, await setUpVolume(ctx, pod, vol));
      } catch (err) {
        failures.push(new VolumeSetUpError(vol.name, err instanceof Error ? err.message : String(err)));
      }
    }
    if (failures.length) {
      for (const f of failures) deps.log(`volumes: pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}: ${f.message}`);
      throw new VolumeSetUpError(failures[0]!.volume, failures[0]!.reason, failures);
    }
    const volumes = { paths };
    await prepareSubPaths(deps.files, pod, volumes);
    return volumes;
  }

  async function tearDown(uid: string): Promise<void> {
    const dir = podDir(deps.rootDir, uid);
    // Innermost first; a mount that will not go keeps the tree (removing below a live bind
    // could delete what it shows).
    for (const m of (await deps.mounter.list(dir)).reverse()) {
      await deps.mounter.unmount(m.target).catch(async (err: unknown) => {
        if ((err as { code?: unknown }).code === 'EINVAL') return; // already gone
        await deps.mounter.unmount(m.target, { detach: true });
      });
    }
    const left = await deps.mounter.list(dir);
    if (left.length) throw new VolumeError(`volumes of pod ${uid}: ${left.map((m) => m.target).join(', ')} still mounted; nothing removed`);
    await deps.files.remove(podVolumesDir(deps.rootDir, uid));
    tokens.forgetPod(uid);
    // The pod directory goes with the last of its contents; the pod manager's files keep it.
    try {
      if ((await deps.files.list(dir)).length === 0) await deps.files.remove(dir);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async function podsOnDisk(): Promise<string[]> {
    let uids: string[];
    try {
      uids = await deps.files.list(podsDir(deps.rootDir));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const out: string[] = [];
    for (const uid of uids) if ((await deps.files.lstat(join(podDir(deps.rootDir, uid), 'volumes')))?.kind === 'dir') out.push(uid);
    return out;
  }

  return {
    setUp: (pod) => serial(pod.metadata.uid ?? '', () => setUp(pod)),
    prepareSubPaths: (pod, container, volumes, env) => serial(pod.metadata.uid ?? '', () => prepareContainerSubPaths(deps.files, pod, container, volumes, env)),
    tearDown: (uid) => serial(uid, () => tearDown(uid)),
    podsOnDisk,
    async stop() {
      await Promise.all([...queues.values()]);
    },
  };
}
