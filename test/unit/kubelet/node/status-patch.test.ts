import test from 'ava';
import type { JsonObject, Node } from '../../../../src/api/types.js';
import { kindMeta } from '../../../../src/apiserver/patch/schema.js';
import { strategicMerge } from '../../../../src/apiserver/patch/strategic.js';
import { nodeStatusPatch } from '../../../../src/kubelet/node/status-patch.js';

const meta = kindMeta({ group: '', version: 'v1', kind: 'Node' });
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:10Z';

const base = (): Node => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'n1', labels: { a: '1', gone: 'x' } },
  spec: { podCIDR: '10.244.0.0/24' },
  status: {
    capacity: { cpu: '2', memory: '4Gi', 'example.com/dev': '1' },
    conditions: [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: T0, lastTransitionTime: T0 },
      { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', lastHeartbeatTime: T0, lastTransitionTime: T0 },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: T0, lastTransitionTime: T0 },
    ],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }],
    images: [{ names: ['a'], sizeBytes: 1 }],
  },
});

test('equal nodes: no patch', (t) => {
  t.is(nodeStatusPatch(base(), base()), undefined);
});

test('only what changed: one condition by its type with the order, a capacity key, removed keys as null; spec never', (t) => {
  const next = base();
  next.metadata.labels = { a: '2' };
  next.spec = { podCIDR: 'changed-by-someone-else' };
  next.status!.capacity = { cpu: '4', memory: '4Gi' };
  next.status!.conditions![2] = { ...next.status!.conditions![2]!, lastHeartbeatTime: T1 };
  const patch = nodeStatusPatch(base(), next)!;
  t.deepEqual(patch, {
    metadata: { labels: { gone: null, a: '2' } },
    status: {
      capacity: { 'example.com/dev': null, cpu: '4' },
      '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'NetworkUnavailable' }, { type: 'Ready' }],
      conditions: [next.status!.conditions![2]!],
    },
  });
});

test('the server\'s strategic merge of the patch gives the new status (conditions added, removed, reordered; addresses and images replaced)', (t) => {
  const next = base();
  next.status = {
    ...next.status,
    conditions: [
      { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'x', lastHeartbeatTime: T1, lastTransitionTime: T1 },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: T1, lastTransitionTime: T0 },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: T1, lastTransitionTime: T1 },
    ],
    addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }],
    images: [{ names: ['b'], sizeBytes: 2 }],
    nodeInfo: { machineID: 'm', systemUUID: '', bootID: 'b', kernelVersion: 'k', osImage: 'o', containerRuntimeVersion: 'skiff://0.1.0', kubeletVersion: 'v', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
  };
  const patch = nodeStatusPatch(base(), next)!;
  const merged = strategicMerge(base() as unknown as JsonObject, patch, meta) as unknown as Node;
  t.deepEqual(merged.status, next.status);
  t.deepEqual(merged.spec, base().spec);
});
