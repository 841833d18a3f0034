import test from 'ava';
import type { NodeCondition } from '../../../../src/api/types.js';
import { nodeConditions } from '../../../../src/kubelet/node/conditions.js';

const calm = { memory: false, disk: false, pid: false };
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:10Z';
const T2 = '2026-01-01T00:00:20Z';

test('first sync: the four conditions in upstream\'s order and words, all transitioned now', (t) => {
  t.deepEqual(nodeConditions([], calm, [], T0), [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: T0, lastTransitionTime: T0 },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: T0, lastTransitionTime: T0 },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: T0, lastTransitionTime: T0 },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: T0, lastTransitionTime: T0 },
  ]);
});

test('heartbeats move every sync; transition times only when a status flips', (t) => {
  const first = nodeConditions([], calm, [], T0);
  const second = nodeConditions(first, { ...calm, disk: true }, ['container runtime is down'], T1);
  const by = (cs: NodeCondition[], type: string) => cs.find((c) => c.type === type)!;
  t.is(by(second, 'MemoryPressure').lastHeartbeatTime, T1);
  t.is(by(second, 'MemoryPressure').lastTransitionTime, T0);
  t.like(by(second, 'DiskPressure'), { status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: T1 });
  t.like(by(second, 'Ready'), { status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down', lastTransitionTime: T1 });
  const third = nodeConditions(second, { ...calm, disk: true }, ['a', 'b'], T2);
  t.like(by(third, 'Ready'), { status: 'False', message: '[a, b]', lastTransitionTime: T1, lastHeartbeatTime: T2 });
});

test('conditions others set are kept in place, and an Unknown set by the node controller flips back', (t) => {
  const old: NodeCondition[] = [
    { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: T0, lastTransitionTime: T0 },
    { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'routes are set', lastHeartbeatTime: T0, lastTransitionTime: T0 },
  ];
  const out = nodeConditions(old, calm, [], T1);
  t.deepEqual(out.map((c) => c.type), ['Ready', 'NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
  t.like(out[0], { status: 'True', reason: 'KubeletReady', lastTransitionTime: T1 });
  t.deepEqual(out[1], old[1]);
});
