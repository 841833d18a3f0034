import { isUnimplemented } from '../../src/cri/errors.js';
import type { RuntimeRpcs } from '../../src/cri/api.js';
import { createContainer, runPod, sleeper, type RegisterCases } from './suite.js';

// cri-tools validate/container.go (Evented PLEG): GetContainerEvents streams a container's
// created, started, stopped and deleted events, each with the pod's status. containerd
// added the RPC in 1.7: a runtime that answers UNIMPLEMENTED is logged, not failed.
type Event = RuntimeRpcs['GetContainerEvents']['resOut'];
const LIFECYCLE = ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT'];

export const eventCases: RegisterCases = (test, fx) => {
  test('GetContainerEvents: created, started, stopped and deleted arrive in order for a container (where implemented: not containerd 1.6)', async (t) => {
    const { runtime } = fx().cri;
    const pod = await runPod(t, fx());
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const all: Event[] = [];
    let wake = () => {};
    const listening = (async () => {
      for await (const ev of runtime.getContainerEvents({}, { signal: abort.signal })) {
        all.push(ev);
        wake();
      }
    })();
    const failed = listening.then(() => new Error('the event stream ended'), (err: Error) => err);
    // A unary call on the same channel after the stream's request: by its answer the
    // server has the subscription, so no event of ours can precede it.
    await runtime.version({});
    const early = await Promise.race([failed, new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
    if (early && fx().name === 'containerd' && isUnimplemented(early)) return void t.pass(`containerd 1.6: ${early.message}`);
    if (early) throw early;

    const id = await createContainer(t, fx(), pod, sleeper(fx()));
    await runtime.startContainer({ containerId: id });
    await runtime.stopContainer({ containerId: id, timeout: 0 });
    await runtime.removeContainer({ containerId: id });
    const mine = () => all.filter((e) => e.containerId === id);
    const deleted = new Promise<void>((resolve) => {
      wake = () => mine().some((e) => e.containerEventType === 'CONTAINER_DELETED_EVENT') && resolve();
      wake();
    });
    const outcome = await Promise.race([deleted.then(() => undefined), failed]);
    if (outcome && fx().name === 'containerd' && isUnimplemented(outcome)) return void t.pass(`containerd 1.6: ${outcome.message}`);
    if (outcome) throw outcome;
    abort.abort();
    t.deepEqual(mine().map((e) => e.containerEventType), LIFECYCLE);
    for (const e of mine()) {
      t.true(BigInt(e.createdAt) > 0n);
      t.is(e.podSandboxStatus?.id, pod.id);
    }
  });
};
