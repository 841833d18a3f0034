import test from 'ava';
import type { CriClient } from '../../../../src/cri/client.js';
import { CriError } from '../../../../src/cri/errors.js';
import { changedPods, snapshotOf, watchContainerEvents } from '../../../../src/kubelet/pods/pleg.js';

/** A CRI client whose GetContainerEvents yields events, then fails with err (or waits for the abort). */
function eventsClient(streams: { uids: (string | undefined)[]; err?: Error }[]): { cri: CriClient; calls: () => number } {
  let calls = 0;
  const cri = {
    runtime: {
      async *getContainerEvents(_req: unknown, opts?: { signal?: AbortSignal }) {
        const s = streams[calls++];
        if (!s) {
          await new Promise<void>((resolve) => opts?.signal?.addEventListener('abort', () => resolve(), { once: true }));
          return;
        }
        for (const uid of s.uids) yield { containerId: 'c', podSandboxStatus: { labels: uid ? { 'io.kubernetes.pod.uid': uid } : {} } };
        if (s.err) throw s.err;
      },
    },
  } as unknown as CriClient;
  return { cri, calls: () => calls };
}

test('PLEG: a pod changed when its sandboxes or containers change state, appear or vanish; unlabelled items are not ours', (t) => {
  const sb = (id: string, uid: string, state = 'SANDBOX_READY') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const c = (id: string, uid: string, state = 'CONTAINER_RUNNING') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const a = snapshotOf([sb('s1', 'A'), sb('s2', 'B'), { id: 'x', state: 'SANDBOX_READY', labels: {} }], [c('c1', 'A'), c('c2', 'B')]);
  t.deepEqual([...a.keys()].sort(), ['A', 'B']);
  const b = snapshotOf([sb('s1', 'A'), sb('s3', 'C')], [c('c1', 'A', 'CONTAINER_EXITED')]);
  t.deepEqual(changedPods(a, b).sort(), ['A', 'B', 'C']);
  t.deepEqual(changedPods(b, b), []);
});

test('container events name their pod by its uid label; the stream is listened to again after it breaks', async (t) => {
  const seen: string[] = [];
  const abort = new AbortController();
  const waits: number[] = [];
  const { cri } = eventsClient([{ uids: ['A', undefined, 'B'], err: new CriError('unavailable', 'socket closed') }, { uids: ['C'] }]);
  const done = watchContainerEvents(cri, (uid) => {
    seen.push(uid);
    if (uid === 'C') abort.abort();
  }, { signal: abort.signal, wait: async (ms) => { waits.push(ms); }, log: () => {} });
  await done;
  t.deepEqual(seen, ['A', 'B', 'C']);
  t.deepEqual(waits, [5000, 5000]);
});

test('a runtime without GetContainerEvents is left to the relist, and says so once', async (t) => {
  const logs: string[] = [];
  const { cri, calls } = eventsClient([{ uids: [], err: new CriError('unimplemented', 'unknown method GetContainerEvents') }]);
  await watchContainerEvents(cri, () => {}, { signal: new AbortController().signal, wait: async () => {}, log: (l) => logs.push(l) });
  t.is(calls(), 1);
  t.deepEqual(logs, ['pod manager: the runtime has no GetContainerEvents; exits are seen by the 1 s relist only']);
});
