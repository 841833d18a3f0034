import test from 'ava';
import { changedPods, snapshotOf } from '../../../../src/kubelet/pods/pleg.js';

test('PLEG: a pod changed when its sandboxes or containers change state, appear or vanish; unlabelled items are not ours', (t) => {
  const sb = (id: string, uid: string, state = 'SANDBOX_READY') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const c = (id: string, uid: string, state = 'CONTAINER_RUNNING') => ({ id, state, labels: { 'io.kubernetes.pod.uid': uid } });
  const a = snapshotOf([sb('s1', 'A'), sb('s2', 'B'), { id: 'x', state: 'SANDBOX_READY', labels: {} }], [c('c1', 'A'), c('c2', 'B')]);
  t.deepEqual([...a.keys()].sort(), ['A', 'B']);
  const b = snapshotOf([sb('s1', 'A'), sb('s3', 'C')], [c('c1', 'A', 'CONTAINER_EXITED')]);
  t.deepEqual(changedPods(a, b).sort(), ['A', 'B', 'C']);
  t.deepEqual(changedPods(b, b), []);
});
