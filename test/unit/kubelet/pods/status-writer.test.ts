import test from 'ava';
import type { Pod, PodStatus } from '../../../../src/api/types.js';
import type { ResourceClient } from '../../../../src/client/resource.js';
import { StatusWriter } from '../../../../src/kubelet/pods/status-writer.js';

/** A pods client that records the status patches it is sent. */
function recorder() {
  const patches: { ns: string; name: string; body: unknown; subresource?: string }[] = [];
  const client = (ns: string) => ({
    patch: async (name: string, _type: string, body: unknown, opts: { subresource?: string }) => {
      patches.push({ ns, name, body, ...(opts.subresource ? { subresource: opts.subresource } : {}) });
      return {} as Pod;
    },
  }) as unknown as ResourceClient<Pod>;
  return { patches, writer: new StatusWriter(client) };
}

const pod = (status?: PodStatus): Pod => ({ metadata: { name: 'web', namespace: 'shop', uid: 'u-1' }, spec: { containers: [] }, ...(status ? { status } : {}) });

test('a changed status is merge-patched on pods/status with the uid; fields gone are nulled; the same status is not written twice', async (t) => {
  const { patches, writer } = recorder();
  t.true(await writer.write(pod({ phase: 'Pending', message: 'old' }), { phase: 'Running', startTime: '2026-01-01T00:00:00Z' }));
  t.deepEqual(patches, [{ ns: 'shop', name: 'web', subresource: 'status', body: { metadata: { uid: 'u-1' }, status: { phase: 'Running', message: null, startTime: '2026-01-01T00:00:00Z' } } }]);
  t.false(await writer.write(pod({ phase: 'Pending' }), { phase: 'Running', startTime: '2026-01-01T00:00:00Z' }), 'the informer has not caught up, but this was written');
  t.false(await writer.write(pod({ phase: 'Running' }), { phase: 'Running' }), 'equal to the API\'s');
  t.is(patches.length, 1);
});

test('latest: what was written wins over an informer copy that trails it, unless the API says the pod is over', async (t) => {
  const { writer } = recorder();
  await writer.write(pod(), { phase: 'Running', startTime: '2026-01-01T00:00:09Z' });
  t.is(writer.latest(pod()).status?.startTime, '2026-01-01T00:00:09Z');
  t.is(writer.latest(pod({ phase: 'Failed', reason: 'Evicted' })).status?.reason, 'Evicted');
  writer.forget('u-1');
  t.is(writer.latest(pod()).status, undefined);
});
