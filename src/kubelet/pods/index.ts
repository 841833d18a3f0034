// The pod manager: pods bound to this node, from an informer, each reconciled by its own
// serialized worker (a WorkQueue keyed by pod uid), woken by the informer, by the PLEG relist
// every second and by CRI container events, by backoff expiries and by a resync every minute.
// See README.md.
import { jsonEqual, type Pod } from '../../api/types.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { DeletedFinalStateUnknown } from '../../client/informer.js';
import { ItemExponentialRateLimiter } from '../../client/rate-limiters.js';
import { sleep } from '../../client/timers.js';
import { runWorker, WorkQueue } from '../../client/workqueue.js';
import type { PodManager, PodManagerDeps } from '../types.js';
import { Backoff } from './backoff.js';
import { podLogsDir, type SyncContext } from './context.js';
import { parseResolvConf } from './dns.js';
import { Pleg, watchContainerEvents } from './pleg.js';
import { StatusWriter } from './status-writer.js';
import { syncPod } from './sync-pod.js';

export { podLogsDir } from './context.js';

const PODS = { group: '', version: 'v1', plural: 'pods' } as const;
/** Upstream's PLEG relist period. */
export const RELIST_PERIOD_MS = 1000;
/** Upstream's --sync-frequency: every pod is reconciled at least this often. */
export const RESYNC_PERIOD_MS = 60_000;
/** How long to wait for the runtime to answer Version before asking again. */
const RUNTIME_RETRY_MS = 1000;
const WORKERS = 8;
// A sync that failed (the runtime or the apiserver refused) is retried from 0.5 s up to 10 s,
// upstream's pod worker backoff period.
const SYNC_RETRY_BASE_MS = 500;
const SYNC_RETRY_MAX_MS = 10_000;

const uidOf = (p: Pod): string => p.metadata.uid ?? '';

/** What upstream's checkAndUpdatePod compares: spec, labels, annotations and deletion. */
function actionableChange(a: Pod, b: Pod): boolean {
  const view = (p: Pod) => [p.spec, p.metadata.labels, p.metadata.annotations, p.metadata.deletionTimestamp, p.metadata.deletionGracePeriodSeconds, p.metadata.uid];
  return !jsonEqual(view(a), view(b));
}

export function startPodManager(deps: PodManagerDeps): PodManager {
  const byUid = new Map<string, Pod>();
  const queue = new WorkQueue({ clock: deps.clock, timers: deps.timers, rateLimiter: new ItemExponentialRateLimiter(SYNC_RETRY_BASE_MS, SYNC_RETRY_MAX_MS) });
  const informer = deps.informers.informer<Pod>(PODS, { fieldSelector: `spec.nodeName=${deps.nodeName}` });
  const seen = (p: Pod) => {
    byUid.set(uidOf(p), p);
    queue.add(uidOf(p));
  };
  informer.addHandlers({
    onAdd: seen,
    onUpdate: (old, p) => {
      // Same name, new pod (the old one went while the watch was down): the old one is gone.
      if (uidOf(old) !== uidOf(p)) {
        byUid.delete(uidOf(old));
        queue.add(uidOf(old));
      }
      byUid.set(uidOf(p), p);
      // The kubelet's own status writes come back here: as upstream's pod config, only a change
      // the kubelet acts on wakes the worker (the resync and the PLEG cover the rest).
      if (actionableChange(old, p)) queue.add(uidOf(p));
    },
    onDelete: (obj) => {
      const p = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      byUid.delete(uidOf(p));
      queue.add(uidOf(p));
    },
  });
  informer.start();

  let stopped = false;
  let cancelTimer = (): void => {};
  const stoppedSignal = new AbortController();
  const pleg = new Pleg(deps.cri);
  const workers: Promise<void>[] = [];
  let events: Promise<void> = Promise.resolve();

  const runtimeName = async (): Promise<string | undefined> => {
    for (;;) {
      try {
        return (await deps.cri.runtime.version({})).runtimeName;
      } catch (err) {
        deps.log(`pod manager: the container runtime does not answer Version yet: ${(err as Error).message}`);
      }
      await sleep(deps.timers, RUNTIME_RETRY_MS, stoppedSignal.signal);
      if (stopped) return undefined;
    }
  };

  const started = (async () => {
    const [name, resolv] = await Promise.all([runtimeName(), deps.files.readText('/etc/resolv.conf').catch(() => '')]);
    if (name === undefined || stopped) return;
    const ctx: SyncContext = {
      deps, runtimeName: name,
      sandbox: { podLogsDir: podLogsDir(deps.rootDir), clusterDns: deps.clusterDns, clusterDomain: deps.clusterDomain, hostResolv: parseResolvConf(resolv), cgroupRoot: deps.cgroupRoot },
      crashBackoff: new Backoff(deps.clock), imageBackoff: new Backoff(deps.clock),
      status: new StatusWriter((ns) => deps.client.resource<Pod>(PODS, ns)),
      events: new EventRecorder({ client: deps.client, clock: deps.clock, component: 'kubelet', host: deps.nodeName, log: deps.log }),
      requeueAfter: (uid, ms) => queue.addAfter(uid, ms),
    };
    // Pods the API no longer has are told from the others only once the first list is in.
    await informer.waitForSync();
    if (stopped) return;
    const reconcile = async (uid: string) => {
      const pod = byUid.get(uid);
      await syncPod(ctx, uid, pod);
      if (!pod) {
        ctx.crashBackoff.forgetPrefix(`${uid}/`);
        ctx.imageBackoff.forgetPrefix(`${uid}/`);
        ctx.status.forget(uid);
      } else if (!pod.metadata.deletionTimestamp) {
        queue.addAfter(uid, RESYNC_PERIOD_MS);
      }
    };
    // Volumes of pods deleted while the kubelet was down: their workers find no pod and tear them down.
    for (const uid of await deps.volumes.podsOnDisk().catch(() => [])) if (!byUid.has(uid)) queue.add(uid);
    for (let i = 0; i < WORKERS; i++) workers.push(runWorker(queue, reconcile, (uid, err) => deps.log(`pod uid ${uid}: sync failed: ${(err as Error).message}`)));
    const relist = async () => {
      try {
        for (const uid of await pleg.relist()) queue.add(uid);
        ctx.crashBackoff.gc();
        ctx.imageBackoff.gc();
      } catch (err) {
        deps.log(`pod manager: relisting the runtime failed: ${(err as Error).message}`);
      }
      if (!stopped) cancelTimer = deps.timers.after(RELIST_PERIOD_MS, () => void relist());
    };
    await relist();
    events = watchContainerEvents(deps.cri, (uid) => queue.add(uid), { signal: stoppedSignal.signal, wait: (ms) => sleep(deps.timers, ms, stoppedSignal.signal), log: deps.log });
  })().catch((err: unknown) => deps.log(`pod manager: could not start: ${(err as Error).message}`));

  return {
    pods: () => [...byUid.values()],
    async stop() {
      stopped = true;
      stoppedSignal.abort();
      cancelTimer();
      queue.shutDown();
      await started;
      await Promise.all([...workers, events]);
    },
  };
}
