import test from 'ava';
import { FakeNodeInfo } from '../../../../src/host/nodeinfo/fake.js';
import { nodeResources, pressureOf } from '../../../../src/kubelet/node/capacity.js';

const Ki = 1024;
const Mi = 1024 * Ki;
const Gi = 1024 * Mi;

test('capacity as upstream prints it; allocatable holds back the hard eviction thresholds (100Mi memory, 10% of the root filesystem)', async (t) => {
  const info = new FakeNodeInfo();
  const machine = { ...(await info.machine()), cpus: 2, memoryBytes: 16393236 * Ki };
  const fs = { capacityBytes: 20134592 * Ki, availableBytes: 10 * Gi, inodes: 1000, inodesFree: 900 };
  const r = nodeResources(machine, fs);
  t.deepEqual(r.capacity, { cpu: '2', 'ephemeral-storage': '20134592Ki', memory: '16393236Ki', pods: '110' });
  // 10% as upstream's float32 percentage: trunc(20617822208 × float32(0.1)) = 2061782251, so
  // 18556039957 left, a number no power of 1024 divides: printed as plain bytes (as real kubelets show).
  t.deepEqual(r.allocatable, { cpu: '2', 'ephemeral-storage': '18556039957', memory: '16290836Ki', pods: '110' });
});

test('allocatable never goes below zero on a tiny machine', (t) => {
  const r = nodeResources({ ...new FakeNodeInfo().facts, memoryBytes: 64 * Mi }, { capacityBytes: 0, availableBytes: 0, inodes: 0, inodesFree: 0 });
  t.is(r.allocatable.memory, '0');
  t.is(r.allocatable['ephemeral-storage'], '0');
});

test('pressure: memory.available under 100Mi, nodefs.available under 10% or inodesFree under 5%; no default PID threshold', (t) => {
  const machine = { ...new FakeNodeInfo().facts, memoryBytes: 4 * Gi };
  const roomy = { capacityBytes: 100 * Gi, availableBytes: 50 * Gi, inodes: 1000, inodesFree: 500 };
  t.deepEqual(pressureOf(machine, 1 * Gi, roomy), { memory: false, disk: false, pid: false });
  t.true(pressureOf(machine, 4 * Gi - 99 * Mi, roomy).memory);
  t.false(pressureOf(machine, 4 * Gi - 100 * Mi, roomy).memory, 'exactly the threshold is not below it');
  t.true(pressureOf(machine, 0, { ...roomy, availableBytes: 9 * Gi }).disk);
  t.true(pressureOf(machine, 0, { ...roomy, inodesFree: 49 }).disk);
  t.false(pressureOf(machine, 0, { ...roomy, inodesFree: 50 }).disk);
});
