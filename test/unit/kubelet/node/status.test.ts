import test from 'ava';
import { FakeNodeInfo } from '../../../../src/host/nodeinfo/fake.js';
import { nodeImages } from '../../../../src/kubelet/node/images.js';
import { afterStatus, initialHealth } from '../../../../src/kubelet/node/runtime-health.js';
import { nodeStatus, statusChanged, type Observed } from '../../../../src/kubelet/node/status.js';
import { KUBELET_VERSION } from '../../../../src/kubelet/node/version.js';
import { VERSION_INFO } from '../../../../src/apiserver/http/non-resource.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
const ready = [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }];

async function observed(extra: Partial<Observed> = {}): Promise<Observed> {
  const info = new FakeNodeInfo();
  return {
    nodeIp: '10.0.0.5', hostname: 'n1', kubeletPort: 10250, machine: await info.machine(), rootFs: await info.filesystem('/var/lib/skiff'),
    workingSetBytes: await info.memoryWorkingSetBytes(), runtime: { name: 'skiff', version: '0.1.0' }, images: [],
    handlers: [{ name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: false } }],
    health: afterStatus(initialHealth, ready, NOW), now: NOW, ...extra,
  };
}

test('a fresh status: addresses, daemon endpoint, nodeInfo, Ready with times in whole seconds', async (t) => {
  const s = nodeStatus(undefined, await observed());
  t.deepEqual(s.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }]);
  t.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  t.deepEqual(s.nodeInfo, {
    machineID: '0123456789abcdef0123456789abcdef', systemUUID: '', bootID: '6c7ee3c4-4f1a-4b0e-9d62-3a4d7b1f2e10', kernelVersion: '6.1.0-test-amd64',
    osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'skiff://0.1.0', kubeletVersion: KUBELET_VERSION, kubeProxyVersion: '',
    operatingSystem: 'linux', architecture: 'amd64',
  });
  t.deepEqual(s.runtimeHandlers, [{ name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: false } }]);
  t.like(s.conditions!.at(-1), { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T12:00:00Z' });
  t.deepEqual(s.images, []);
});

test('the kubelet reports the apiserver\'s version, so it is never newer than it', (t) => {
  t.is(KUBELET_VERSION, VERSION_INFO.gitVersion);
});

test('a failed CRI call keeps what the old status said; fields the kubelet does not own are carried', async (t) => {
  const first = nodeStatus(undefined, await observed({ images: [{ repoTags: ['x:1'], repoDigests: [], size: '10' }] }));
  const withVolumes = { ...first, volumesInUse: ['kubernetes.io/csi/x'] };
  const { runtime: _r, images: _i, ...failed } = await observed({ now: NOW + 10_000 });
  const second = nodeStatus(withVolumes, failed);
  t.is(second.nodeInfo!.containerRuntimeVersion, 'skiff://0.1.0');
  t.deepEqual(second.images, [{ names: ['x:1'], sizeBytes: 10 }]);
  t.deepEqual(second.volumesInUse, ['kubernetes.io/csi/x']);
});

test('changed: heartbeats alone are no change; anything else is', async (t) => {
  const first = nodeStatus(undefined, await observed());
  const later = nodeStatus(first, await observed({ now: NOW + 10_000 }));
  t.not(later.conditions![0]!.lastHeartbeatTime, first.conditions![0]!.lastHeartbeatTime);
  t.false(statusChanged(first, later));
  t.true(statusChanged(first, nodeStatus(first, await observed({ nodeIp: '10.0.0.6' }))));
  t.true(statusChanged(first, nodeStatus(first, await observed({ health: initialHealth }))));
});

test('images: largest first, at most 50, digests before tags, 5 names each', (t) => {
  const many = Array.from({ length: 60 }, (_, i) => ({ repoTags: [`t${i}:1`], repoDigests: [], size: String(i) }));
  const out = nodeImages([...many, { repoTags: ['a:1', 'a:2', 'a:3', 'a:4'], repoDigests: ['a@sha256:1', 'a@sha256:2'], size: '1000' }]);
  t.is(out.length, 50);
  t.deepEqual(out[0], { names: ['a@sha256:1', 'a@sha256:2', 'a:1', 'a:2', 'a:3'], sizeBytes: 1000 });
  t.deepEqual(out[1], { names: ['t59:1'], sizeBytes: 59 });
});
